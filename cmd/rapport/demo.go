package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
)

const demoCredentialsFile = "demo-credentials.txt"

func demoCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "demo", Short: "Seed demo data into an empty database and print the demo credentials", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer s.Close()
			return seedAndPrint(cmd.Context(), s, g, cmd.OutOrStdout(), envOr("RAPPORT_LISTEN", "127.0.0.1:8080"))
		}}
}

// seedAndPrint seeds demo data when the database has no users, keeps the
// generated credentials in <data>/demo-credentials.txt (mode 0600) and prints them.
func seedAndPrint(ctx context.Context, s *store.Store, g *globals, out io.Writer, listen string) error {
	ctx = model.WithActor(ctx, model.Actor{Name: "demo", Role: model.RoleAdmin, Internal: true})
	path := filepath.Join(g.data, demoCredentialsFile)
	page, err := store.List[model.User](ctx, s, store.ListParams{Limit: 1})
	if err != nil {
		return err
	}
	if len(page.Items) == 0 {
		creds, err := seedDemo(ctx, s)
		if err != nil {
			return fmt.Errorf("seeding demo data: %w", err)
		}
		if err := os.MkdirAll(g.data, 0o750); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(creds), 0o600); err != nil {
			return err
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		_, err = fmt.Fprintf(out, "The database already has users; demo credentials are not known (%s is missing).\n", path)
		return err
	}
	c := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			c[k] = v
		}
	}
	url := baseURL(listen)
	_, err = fmt.Fprintf(out, "\nRapport demo data is ready.\n  sign in:   %s/login\n  admin:     admin@example.com  password %s\n"+
		"  agent:     anna@example.com   password %s\n  API token: %s\n  try:       curl -H 'Authorization: Bearer %s' '%s/api/v1/contacts?limit=5&q=иван'\n"+
		"  API docs:  %s/api/v1/openapi.json\n  CardDAV/CalDAV: %s/dav/  user anna, app password %s (docs/dav-clients.md)\n\n",
		url, c["admin_password"], c["agent_password"], c["api_token"], c["api_token"], url, url, url, c["dav_password"])
	return err
}

// seedDemo writes users, accounts, 60 contacts and their activities, and
// returns the credentials text.
func seedDemo(ctx context.Context, s *store.Store) (string, error) {
	adminPW, agentPW := secret.NewAppPassword(), secret.NewAppPassword()
	var token, davPW string
	err := s.WithTx(ctx, func(ctx context.Context) error {
		team := &model.Team{Name: "Sales"}
		if err := store.Create(ctx, s, team); err != nil {
			return err
		}
		admin := &model.User{Email: "admin@example.com", Name: "Ada Admin", Role: model.RoleAdmin, TeamID: &team.ID, Language: "en", TimeZone: "Europe/London"}
		agent := &model.User{Email: "anna@example.com", Name: "Анна Смирнова", Role: model.RoleAgent, TeamID: &team.ID, Language: "ru", TimeZone: "Europe/Moscow"}
		for u, pw := range map[*model.User]string{admin: adminPW, agent: agentPW} {
			if err := s.CreateUser(ctx, u, pw); err != nil {
				return err
			}
		}
		accounts, err := seedAccounts(ctx, s, admin.ID)
		if err != nil {
			return err
		}
		contacts, err := seedContacts(ctx, s, accounts, []string{admin.ID, agent.ID})
		if err != nil {
			return err
		}
		if err := seedActivities(ctx, s, contacts, []string{admin.ID, agent.ID}); err != nil {
			return err
		}
		if err := seedSales(ctx, s, accounts, contacts, []string{admin.ID, agent.ID}); err != nil {
			return err
		}
		if davPW, _, err = s.CreateAppPassword(ctx, agent.ID, "demo DAV client"); err != nil {
			return err
		}
		token, _, err = s.CreateToken(ctx, admin.ID, "demo", []string{model.ScopeRead, model.ScopeWrite, model.ScopeAdmin}, 0)
		return err
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("admin_password=%s\nagent_password=%s\napi_token=%s\ndav_password=%s\n", adminPW, agentPW, token, davPW), nil
}

func seedAccounts(ctx context.Context, s *store.Store, owner string) ([]*model.Account, error) {
	accounts := []*model.Account{
		{Name: "Acme Corporation", Industry: "Manufacturing", Website: "https://acme.example.com", Language: "en",
			Phones: []model.Labeled{{Type: "work", Value: "+1 212 555 0100"}}, Addresses: []model.Address{{Street: "1 Main St", City: "New York", Region: "NY", PostalCode: "10001", Country: "US"}}},
		{Name: "ООО «Северный ветер»", Industry: "Логистика", Website: "https://severny-veter.example.ru", Language: "ru",
			Phones: []model.Labeled{{Type: "work", Value: "+7 495 123-45-67"}}, Addresses: []model.Address{{Street: "ул. Тверская, 7", City: "Москва", PostalCode: "125009", Country: "RU"}}},
		{Name: "Globex GmbH", Industry: "Software", Website: "https://globex.example.de", Language: "de",
			Phones: []model.Labeled{{Type: "work", Value: "+49 30 1234567"}}},
		{Name: "Дальневосточная торговая компания", Industry: "Торговля", Language: "ru",
			Addresses: []model.Address{{City: "Владивосток", Country: "RU"}}},
	}
	for _, a := range accounts {
		a.OwnerID = &owner
	}
	return accounts, store.CreateMany(ctx, s, accounts)
}

// demoPeople are (first, middle, last, latin e-mail name, account index).
var demoPeople = [][5]string{
	{"John", "", "Smith", "john.smith", "0"}, {"Mary", "", "Johnson", "mary.johnson", "0"}, {"Robert", "", "Williams", "robert.williams", "0"},
	{"Patricia", "", "Brown", "patricia.brown", "0"}, {"Michael", "", "Jones", "michael.jones", "0"}, {"Linda", "", "Garcia", "linda.garcia", "0"},
	{"David", "", "Miller", "david.miller", "0"}, {"Elizabeth", "", "Davis", "elizabeth.davis", "0"}, {"James", "", "Wilson", "james.wilson", "0"},
	{"Jennifer", "", "Taylor", "jennifer.taylor", "0"}, {"William", "", "Anderson", "william.anderson", "0"}, {"Susan", "", "Thomas", "susan.thomas", "0"},
	{"Richard", "", "Moore", "richard.moore", "0"}, {"Karen", "", "Martin", "karen.martin", "0"}, {"Thomas", "", "Jackson", "thomas.jackson", "2"},
	{"Sarah", "", "White", "sarah.white", "2"}, {"Charles", "", "Harris", "charles.harris", "2"}, {"Nancy", "", "Clark", "nancy.clark", "2"},
	{"Daniel", "", "Lewis", "daniel.lewis", "2"}, {"Lisa", "", "Walker", "lisa.walker", "2"}, {"Matthew", "", "Hall", "matthew.hall", "2"},
	{"Betty", "", "Young", "betty.young", "2"}, {"Anthony", "", "King", "anthony.king", "2"}, {"Helen", "", "Wright", "helen.wright", "2"},
	{"Mark", "", "Scott", "mark.scott", "2"}, {"Sandra", "", "Green", "sandra.green", "2"}, {"Paul", "", "Baker", "paul.baker", "2"},
	{"Иван", "Петрович", "Иванов", "ivan.ivanov", "1"}, {"Мария", "Сергеевна", "Кузнецова", "maria.kuznetsova", "1"},
	{"Алексей", "Николаевич", "Смирнов", "alexey.smirnov", "1"}, {"Ольга", "Викторовна", "Попова", "olga.popova", "1"},
	{"Дмитрий", "Александрович", "Васильев", "dmitry.vasiliev", "1"}, {"Елена", "Игоревна", "Соколова", "elena.sokolova", "1"},
	{"Сергей", "Михайлович", "Михайлов", "sergey.mikhailov", "1"}, {"Наталья", "Андреевна", "Новикова", "natalia.novikova", "1"},
	{"Андрей", "Владимирович", "Фёдоров", "andrey.fedorov", "1"}, {"Татьяна", "Павловна", "Морозова", "tatiana.morozova", "1"},
	{"Михаил", "Юрьевич", "Волков", "mikhail.volkov", "1"}, {"Светлана", "Олеговна", "Алексеева", "svetlana.alexeeva", "1"},
	{"Николай", "Борисович", "Лебедев", "nikolay.lebedev", "1"}, {"Анастасия", "Денисовна", "Семёнова", "anastasia.semenova", "1"},
	{"Владимир", "Григорьевич", "Егоров", "vladimir.egorov", "3"}, {"Юлия", "Романовна", "Павлова", "yulia.pavlova", "3"},
	{"Павел", "Ильич", "Козлов", "pavel.kozlov", "3"}, {"Ирина", "Евгеньевна", "Степанова", "irina.stepanova", "3"},
	{"Артём", "Максимович", "Николаев", "artem.nikolaev", "3"}, {"Екатерина", "Антоновна", "Орлова", "ekaterina.orlova", "3"},
	{"Максим", "Кириллович", "Андреев", "maxim.andreev", "3"}, {"Анна", "Степановна", "Макарова", "anna.makarova", "3"},
	{"Григорий", "Львович", "Захаров", "grigory.zakharov", "3"}, {"Вера", "Фёдоровна", "Зайцева", "vera.zaitseva", "3"},
	{"Emma", "", "Schneider", "emma.schneider", "2"}, {"Lukas", "", "Müller", "lukas.mueller", "2"}, {"Sophie", "", "Fischer", "sophie.fischer", "2"},
	{"Yuki", "", "Tanaka", "yuki.tanaka", "0"}, {"李", "", "伟", "li.wei", "0"}, {"Zoë", "", "O'Brien", "zoe.obrien", "0"},
	{"José", "", "Núñez", "jose.nunez", "0"}, {"Olivia", "", "Lee", "olivia.lee", "0"},
}

var demoDomains = []string{"acme.example.com", "severny-veter.example.ru", "globex.example.de", "dvtk.example.ru"}

func seedContacts(ctx context.Context, s *store.Store, accounts []*model.Account, owners []string) ([]*model.Contact, error) {
	titles := []string{"CEO", "Purchasing Manager", "Директор", "Главный бухгалтер", "IT Manager", "Менеджер по закупкам"}
	var contacts []*model.Contact
	for i, p := range demoPeople {
		acct := accounts[int(p[4][0]-'0')]
		c := &model.Contact{FirstName: p[0], MiddleName: p[1], LastName: p[2], AccountID: &acct.ID, OwnerID: &owners[i%2],
			Title: titles[i%len(titles)], Language: acct.Language,
			Emails: []model.Labeled{{Type: "work", Value: p[3] + "@" + demoDomains[int(p[4][0]-'0')]}},
			Phones: []model.Labeled{{Type: "mobile", Value: demoPhone(acct, i)}}}
		if i%7 == 0 {
			c.Tags = []string{"vip"}
		}
		if i%5 == 0 {
			b, _ := model.ParseDate(fmt.Sprintf("19%02d-%02d-%02d", 60+i%35, 1+i%12, 1+i%28))
			c.Birthday = &b
		}
		contacts = append(contacts, c)
	}
	return contacts, store.CreateMany(ctx, s, contacts)
}

func demoPhone(a *model.Account, i int) string {
	switch {
	case strings.HasPrefix(a.Language, "ru"):
		return fmt.Sprintf("+7 916 %03d-%02d-%02d", 100+i, i%100, (i*7)%100)
	case a.Language == "de":
		return fmt.Sprintf("+49 151 %07d", 1000000+i*37)
	}
	return fmt.Sprintf("+1 415 555 %04d", 100+i)
}

func seedActivities(ctx context.Context, s *store.Store, contacts []*model.Contact, owners []string) error {
	day := time.Now().UTC().Truncate(24 * time.Hour)
	var acts []*model.Activity
	for i, c := range contacts[:30] {
		owner := owners[i%2]
		at := day.Add(time.Duration(i-10)*24*time.Hour + 9*time.Hour + time.Duration(i%8)*time.Hour)
		end := at.Add(time.Hour)
		due := day.Add(time.Duration(i%10-3) * 24 * time.Hour).Add(17 * time.Hour)
		me := model.Attendee{UserID: owner, Role: "chair", Status: "accepted"}
		them := model.Attendee{ContactID: c.ID, Email: c.Emails[0].Value, Name: c.DisplayName}
		acts = append(acts,
			&model.Activity{Kind: model.KindAppointment, Subject: "Meeting with " + c.DisplayName, StartAt: &at, EndAt: &end,
				TimeZone: "Europe/Moscow", Location: "Office", OwnerID: &owner, ContactID: &c.ID, AccountID: c.AccountID,
				Attendees: []model.Attendee{me, them}},
			&model.Activity{Kind: model.KindCall, Subject: "Звонок: " + c.DisplayName, StartAt: &at, DurationSeconds: 300 + i*30,
				Status: "held", OwnerID: &owner, ContactID: &c.ID, AccountID: c.AccountID},
			&model.Activity{Kind: model.KindTask, Subject: "Send the quote to " + c.DisplayName, DueAt: &due, Priority: []string{"low", "normal", "high"}[i%3],
				Status: []string{"needs_action", "in_process", "completed"}[i%3], OwnerID: &owner, ContactID: &c.ID, AccountID: c.AccountID},
		)
	}
	return store.CreateMany(ctx, s, acts)
}
