package hub_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"rapport/hub"
	"rapport/hub/api"
	"rapport/hub/auth"
	"rapport/model/migrate"
	"rapport/model/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func get(t *testing.T, h http.Handler, path string, hdr ...string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

func TestHealthReadinessMetrics(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			s := storetest.Open(t, engine)
			srv := hub.New(hub.Config{Store: s, API: api.New(api.Config{Store: s}), Auth: auth.New(auth.Config{Store: s}), MetricsToken: "m-secret"})
			h := srv.Handler()
			if code, _ := get(t, h, "/healthz"); code != 200 {
				t.Fatalf("healthz %d", code)
			}
			if code, _ := get(t, h, "/readyz"); code != 200 {
				t.Fatalf("readyz %d", code)
			}
			if code, body := get(t, h, "/api/v1/contacts"); code != 401 || !strings.Contains(body, `"status":401`) {
				t.Fatalf("anonymous API: %d %s", code, body)
			}
			if code, _ := get(t, h, "/no/such/page"); code != 404 {
				t.Fatalf("unknown path: %d", code)
			}
			if code, _ := get(t, h, "/metrics"); code != 401 {
				t.Fatalf("metrics without token: %d", code)
			}
			code, body := get(t, h, "/metrics", "Authorization", "Bearer m-secret")
			if code != 200 || !strings.Contains(body, `rapport_http_requests_total{method="GET",route="/api/v1/contacts",status="401"} 1`) {
				t.Fatalf("metrics: %d %s", code, body)
			}
			if _, err := s.DB().Exec(fmt.Sprintf("INSERT INTO goose_db_version (version_id, is_applied) VALUES (%d, true)", migrate.Latest()+1)); err != nil {
				t.Fatal(err)
			}
			if code, _ := get(t, h, "/readyz"); code != 503 {
				t.Fatalf("readyz on a newer schema: %d", code)
			}
			_, _ = s.DB().Exec(fmt.Sprintf("DELETE FROM goose_db_version WHERE version_id > %d", migrate.Latest()))
		})
	}
}
