package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// hookReceiver is an integrator's endpoint on loopback: it checks every
// delivery's signature with the Standard Webhooks reference library.
type hookReceiver struct {
	url    string
	mu     sync.Mutex
	wh     *standardwebhooks.Webhook
	events []struct{ Type, ID string }
	bad    int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.wh == nil || h.wh.Verify(body, r.Header) != nil {
			h.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev struct {
			Type string `json:"type"`
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &ev)
		h.events = append(h.events, struct{ Type, ID string }{ev.Type, ev.Data.ID})
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/hooks"
	return h
}

// verify sets the endpoint's secret.
func (h *hookReceiver) verify(secret string) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		panic(err)
	}
	h.mu.Lock()
	h.wh = wh
	h.mu.Unlock()
}

// await waits until an event of typ about id arrived, signed.
func (h *hookReceiver) await(t *testing.T, typ, id string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		h.mu.Lock()
		for _, e := range h.events {
			if e.Type == typ && e.ID == id {
				h.mu.Unlock()
				return
			}
		}
		h.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	t.Fatalf("no %s for %s; got %v (%d badly signed)", typ, id, h.events, h.bad)
}
