package api_test

import (
	"net/http"
	"strings"
	"testing"

	"rapport/model/store"
	"rapport/model/storetest"
)

func TestSupportOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		c.want(c.do("POST", "/sla-targets", `{"priority": "urgent", "first_response_minutes": 30, "resolution_minutes": 240}`), http.StatusCreated)
		q := c.want(c.do("POST", "/queues", `{"name": "Level 1", "order_by": ["priority", "due"], "active": true}`), http.StatusCreated)
		qid := q["id"].(string)
		req := c.want(c.do("POST", "/requests", `{"subject": "VPN down", "priority": "urgent", "channel": "phone", "queue_id": "`+qid+`"}`), http.StatusCreated)
		id := req["id"].(string)
		if !strings.HasPrefix(req["number"].(string), "R-") || req["first_response_due"] == nil || req["status"] != "new" {
			t.Fatalf("%v", req)
		}
		c.actor = newAgent(t, s, "l1@example.com")
		next := c.want(c.do("POST", "/queues/"+qid+"/next", ""), http.StatusOK)
		if next["id"] != id || next["assignee_id"] != c.actor.UserID || next["status"] != "open" {
			t.Fatalf("next %v", next)
		}
		c.want(c.do("POST", "/queues/"+qid+"/next", ""), http.StatusNotFound)
		c.want(c.do("POST", "/requests/"+id+"/events", `{"type": "reply", "body": "Restarting the gateway", "status": "pending_third_party"}`), http.StatusCreated)
		c.want(c.do("POST", "/requests/"+id+"/events", `{"type": "call", "duration_seconds": 300}`), http.StatusCreated)
		c.want(c.do("POST", "/time-entries", `{"request_id": "`+id+`", "minutes": 25, "billable": true, "rate": "80"}`), http.StatusCreated)
		c.want(c.do("POST", "/time-entries", `{"request_id": "`+id+`", "minutes": -3}`), http.StatusUnprocessableEntity)
		full := c.want(c.do("GET", "/requests/"+id+"?include=events,links,attachments", ""), http.StatusOK)
		if events := full["events"].([]any); len(events) < 4 || full["first_response_at"] == nil || full["status"] != "pending_third_party" {
			t.Fatalf("%v", full)
		}
		c.want(c.do("GET", "/requests/"+id+"?include=secrets", ""), http.StatusUnprocessableEntity)
		c.want(c.do("PATCH", "/requests/"+id, `{"status": "closed"}`), http.StatusOK)
		c.want(c.do("PATCH", "/requests/"+id, `{"status": "pending_third_party"}`), http.StatusUnprocessableEntity)
		c.want(c.do("POST", "/requests/"+id+"/feedback", `{"rating": 5, "comment": "fast"}`), http.StatusOK)
		other := c.want(c.do("POST", "/requests", `{"subject": "VPN down again"}`), http.StatusCreated)
		links := c.want(c.do("POST", "/requests/"+id+"/links", `{"other_id": "`+other["id"].(string)+`", "kind": "duplicate"}`), http.StatusCreated)
		if len(links["items"].([]any)) != 1 {
			t.Fatalf("%v", links)
		}
		page := c.want(c.do("GET", "/queues/"+qid+"/requests?unassigned=true", ""), http.StatusOK)
		if len(page["items"].([]any)) != 0 {
			t.Fatalf("%v", page)
		}
		c.want(c.do("POST", "/queues", `{"name": "Mine"}`), http.StatusForbidden)
	})
}
