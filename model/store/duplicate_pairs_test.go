package store_test

import (
	"fmt"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func person(first, last, email, phone string) *model.Contact {
	c := &model.Contact{FirstName: first, LastName: last}
	if email != "" {
		c.Emails = []model.Labeled{{Value: email}}
	}
	if phone != "" {
		c.Phones = []model.Labeled{{Value: phone}}
	}
	return c
}

// pairKey names a pair by its records' names, older first.
func pairKey(p model.DuplicatePair) string { return p.A.Name + " ~ " + p.B.Name }

func TestDuplicatePairsContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		list := []*model.Contact{
			person("Anna", "Berg", "anna@berg.example", ""),
			person("Berg", "Anna", "ANNA@berg.example", ""),
			person("Jon", "Smith", "", "+1 415 555 0100"),
			person("John", "Smith", "", "(415) 555-0100"),
			person("Пётр", "Иванов", "petr@a.example", ""),
			person("Петр", "Иванов", "petr@b.example", ""),
			person("Boris", "Petrov", "boris@c.example", ""),
		}
		for i := range 11 { // a switchboard: one number, many people
			list = append(list, person(fmt.Sprint("Desk", i), "Nordwind", "", "+49 30 9999999"))
		}
		gone := person("Anna", "Berg", "anna@berg.example", "")
		list = append(list, gone)
		for _, c := range list {
			mustCreateRecord(t, s, c)
		}
		if err := store.Delete[model.Contact](salesAdmin, s, gone.ID, 0); err != nil {
			t.Fatal(err)
		}
		page, err := s.DuplicatePairs(salesAdmin, "contact", store.DuplicateParams{MinScore: 0.01})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]model.DuplicatePair{}
		for _, p := range page.Items {
			got[pairKey(p)] = p
		}
		want := map[string][]string{
			"Anna Berg ~ Berg Anna":     {"email", "name"},
			"Jon Smith ~ John Smith":    {"name", "phone"},
			"Пётр Иванов ~ Петр Иванов": {"name"},
		}
		for k, kinds := range want {
			p, ok := got[k]
			if !ok {
				t.Errorf("missing pair %s in %v", k, page.Items)
				continue
			}
			var have []string
			for _, r := range p.Reasons {
				have = append(have, r.Kind)
			}
			if fmt.Sprint(have) != fmt.Sprint(kinds) {
				t.Errorf("%s: reasons %v, want %v", k, p.Reasons, kinds)
			}
		}
		if len(page.Items) != len(want) || page.Total != len(want) {
			t.Errorf("pairs %v", page.Items)
		}
		if page.Items[0].Score < page.Items[len(page.Items)-1].Score || page.Items[0].A.ID > page.Items[0].B.ID {
			t.Errorf("order %v", page.Items)
		}
		// Paging walks the same list; a higher bar drops the name-only pair.
		var walked []string
		cursor := ""
		for range 10 {
			p, err := s.DuplicatePairs(salesAdmin, "contact", store.DuplicateParams{MinScore: 0.01, Limit: 1, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range p.Items {
				walked = append(walked, pairKey(it))
			}
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if len(walked) != 3 || walked[0] != pairKey(page.Items[0]) || walked[2] != pairKey(page.Items[2]) {
			t.Errorf("walked %v", walked)
		}
		if p, _ := s.DuplicatePairs(salesAdmin, "contact", store.DuplicateParams{MinScore: 0.9}); p.Total != 2 {
			t.Errorf("min score 0.9: %v", p.Items)
		}
		for _, bad := range []store.DuplicateParams{{Cursor: "!!"}, {MinScore: 2}} {
			if _, err := s.DuplicatePairs(salesAdmin, "contact", bad); model.ErrorCode(err) != model.EINVALID {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		if _, err := s.DuplicatePairs(salesAdmin, "lead", store.DuplicateParams{}); model.ErrorCode(err) != model.EINVALID {
			t.Errorf("leads: %v", err)
		}
	})
}

func TestDuplicatePairsAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		for _, a := range []*model.Account{
			{Name: "ООО «Ромашка»", Website: "https://romashka.example"},
			{Name: "Ромашка", Website: "http://www.romashka.example/contacts"},
			{Name: "Acme Inc", Phones: []model.Labeled{{Value: "+1 415 555 0199"}}},
			{Name: "ACME Ltd.", Phones: []model.Labeled{{Value: "+14155550199"}}},
			{Name: "Globex"},
		} {
			mustCreateRecord(t, s, a)
		}
		page, err := s.DuplicatePairs(salesAdmin, "account", store.DuplicateParams{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 2 || page.Items[0].Score < 0.9 || page.Items[1].Score < 0.9 {
			t.Fatalf("pairs %+v", page.Items)
		}
	})
}
