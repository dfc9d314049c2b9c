package model

import "testing"

func TestPolicyTable(t *testing.T) {
	admin := Actor{UserID: "a", Role: RoleAdmin}
	mgr := Actor{UserID: "m", Role: RoleManager, TeamIDs: []string{"t1"}}
	agent := Actor{UserID: "g", Role: RoleAgent, TeamIDs: []string{"t1"}}
	other := Actor{UserID: "o", Role: RoleAgent, TeamIDs: []string{"t2"}}
	portal := Actor{UserID: "p", Role: RolePortal}
	reader := Actor{UserID: "g", Role: RoleAgent, Scopes: []string{ScopeRead}}
	adminRW := Actor{UserID: "a", Role: RoleAdmin, Scopes: []string{ScopeRead, ScopeWrite}}
	Policies["test_team"] = TeamScoped
	Policies["test_owner"] = OwnerOnly
	defer delete(Policies, "test_team")
	defer delete(Policies, "test_owner")
	cases := []struct {
		who        Actor
		entity     string
		owner      string
		team       string
		see, write bool
	}{
		{agent, "contact", "x", "", true, true},
		{portal, "contact", "x", "", false, false},
		{reader, "contact", "x", "", true, false},
		{agent, "user", "", "", true, false},
		{admin, "user", "", "", true, true},
		{adminRW, "user", "", "", true, false},       // an admin's token without the admin scope
		{agent, "test_team", "g", "t9", true, true},  // own record
		{agent, "test_team", "x", "t1", true, false}, // teammate's: sees, cannot change
		{mgr, "test_team", "x", "t1", true, true},    // manager of the team
		{other, "test_team", "x", "t1", false, false},
		{admin, "test_team", "x", "t1", true, true},
		{agent, "test_owner", "x", "t1", false, false},
		{agent, "test_owner", "g", "", true, true},
		{agent, "never_registered", "g", "", false, false}, // unknown entities fail closed
	}
	for _, c := range cases {
		if got := CanSee(c.who, c.entity, c.owner, c.team); got != c.see {
			t.Errorf("%s sees %s(owner %s, team %s) = %v", c.who.UserID, c.entity, c.owner, c.team, got)
		}
		if got := CanWrite(c.who, c.entity, c.owner, c.team); got != c.write {
			t.Errorf("%s writes %s(owner %s, team %s) = %v", c.who.UserID, c.entity, c.owner, c.team, got)
		}
	}
}
