package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestOffboardUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		admin := c.actor
		sys := model.WithActor(context.Background(), model.System)
		boss := newAgent(t, s, "boss@example.com")
		team := c.want(c.do("POST", "/teams", `{"name": "Day shift", "manager_id": "`+boss.UserID+`"}`), http.StatusCreated)["id"].(string)
		leaver := &model.User{Email: "leaver@example.com", Name: "Leo", Role: model.RoleAgent, TeamID: &team}
		if err := s.CreateUser(sys, leaver, ""); err != nil {
			t.Fatal(err)
		}
		heir := newAgent(t, s, "heir@example.com")
		loner := newAgent(t, s, "loner@example.com")
		acc := c.want(c.do("POST", "/accounts", `{"name": "Acme", "owner_id": "`+leaver.ID+`"}`), http.StatusCreated)["id"].(string)
		path := "/users/" + leaver.ID + "/offboard"

		// Bad requests change nothing.
		for body, want := range map[string]int{
			`{"reassign_to": 5}`: http.StatusUnprocessableEntity, `{"reassign_to": "` + heir.UserID + `", "extra": 1}`: http.StatusUnprocessableEntity,
			`{`: http.StatusBadRequest, `{}`: http.StatusUnprocessableEntity, `{"reassign_to": "nobody"}`: http.StatusUnprocessableEntity,
			`{"reassign_to": "` + heir.UserID + `", "to_manager": true}`: http.StatusUnprocessableEntity,
		} {
			c.want(c.do("POST", path, body), want)
		}
		p := c.want(c.do("POST", "/users/"+loner.UserID+"/offboard", `{"to_manager": true}`), http.StatusUnprocessableEntity)
		if errs, _ := p["errors"].([]any); len(errs) != 1 || !strings.Contains(errs[0].(map[string]any)["message"].(string), "no team") {
			t.Errorf("no team: %v", p)
		}
		c.want(c.do("POST", "/users/"+admin.UserID+"/offboard", `{"reassign_to": "`+heir.UserID+`"}`), http.StatusConflict)
		c.want(c.do("POST", "/users/"+model.NewID()+"/offboard", `{"reassign_to": "`+heir.UserID+`"}`), http.StatusNotFound)
		c.actor = boss
		c.want(c.do("POST", path, `{"to_manager": true}`), http.StatusForbidden)
		c.actor = admin
		c.actor.Scopes = []string{"read", "write"}
		c.want(c.do("POST", path, `{"to_manager": true}`), http.StatusForbidden)
		c.actor = admin

		dry := c.want(c.do("POST", path, `{"to_manager": true, "dry_run": true}`), http.StatusOK)
		if dry["dry_run"] != true || dry["heir_id"] != boss.UserID || dry["moved"] != float64(1) {
			t.Fatalf("dry run: %v", dry)
		}
		if got := c.want(c.do("GET", "/accounts/"+acc, ""), http.StatusOK); got["owner_id"] != leaver.ID || got["version"] != float64(1) {
			t.Fatalf("the dry run moved the account: %v", got)
		}
		rep := c.want(c.do("POST", path, `{"reassign_to": "`+heir.UserID+`"}`), http.StatusOK)
		if rep["dry_run"] != false || rep["heir"] != "heir@example.com" || rep["moved"] != float64(1) {
			t.Fatalf("report: %v", rep)
		}
		if got := c.want(c.do("GET", "/accounts/"+acc, ""), http.StatusOK); got["owner_id"] != heir.UserID {
			t.Fatalf("account: %v", got)
		}
		if got := c.want(c.do("GET", "/users/"+leaver.ID, ""), http.StatusOK); got["disabled"] != true {
			t.Fatalf("leaver: %v", got)
		}
		items := rep["items"].([]any)
		first := items[0].(map[string]any)
		if first["entity"] != "account" || first["action"] != store.OffboardReassigned || first["ids"].([]any)[0] != acc {
			t.Errorf("items: %v", items)
		}
	})
}
