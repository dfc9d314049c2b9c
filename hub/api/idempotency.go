package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"rapport/model"
	"rapport/model/store"
)

// Idempotency makes POST requests carrying an Idempotency-Key safe to retry:
// the handler runs in one transaction together with the stored answer, so a
// retry (or a concurrent duplicate) gets the first answer replayed with
// Idempotent-Replayed: true instead of a second write. Keys are per user and
// kept for store.IdempotencyTTL; reusing a key for a different request is 422.
// Multipart uploads are not covered (their bodies stream to the blob store),
// nor are answers marked Cache-Control: no-store (one-time secrets).
func (a *API) Idempotency(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost || key == "" || strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 200 {
			fail(w, r, fieldError("Idempotency-Key", "at most 200 characters"))
			return
		}
		body, err := a.readBody(w, r)
		if err != nil {
			fail(w, r, err)
			return
		}
		a.serveIdempotent(w, r, next, key, body)
	})
}

func (a *API) serveIdempotent(w http.ResponseWriter, r *http.Request, next http.Handler, key string, body []byte) {
	ctx := r.Context()
	user := model.ActorFrom(ctx).UserID
	sum := sha256.Sum256(append([]byte(r.URL.RequestURI()+"\n"), body...))
	hash := hex.EncodeToString(sum[:])
	if replayed, err := a.replay(w, r, user, key, hash); replayed || err != nil {
		if err != nil {
			fail(w, r, err)
		}
		return
	}
	rec := httptest.NewRecorder()
	err := a.store.WithTx(ctx, func(ctx context.Context) error {
		r2 := r.WithContext(ctx)
		r2.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(rec, r2)
		if rec.Code >= 500 {
			return model.Errorf(model.EINTERNAL, "handler failed")
		}
		if strings.Contains(rec.Header().Get("Cache-Control"), "no-store") {
			return nil // a one-time secret is never kept for replay
		}
		return a.store.SaveIdempotent(ctx, &store.IdempotentResponse{UserID: user, Key: key, Method: r.Method,
			Path: r.URL.Path, RequestHash: hash, Status: rec.Code, Headers: flatten(rec.Header()), Body: rec.Body.Bytes()})
	})
	if model.ErrorCode(err) == model.ECONFLICT {
		// A concurrent request with the same key committed first: replay it.
		if replayed, rerr := a.replay(w, r, user, key, hash); replayed || rerr != nil {
			if rerr != nil {
				fail(w, r, rerr)
			}
			return
		}
	}
	if err != nil && rec.Code < 500 {
		fail(w, r, err) // the write rolled back: never report the handler's success
		return
	}
	copyResponse(w, rec.Header(), rec.Code, rec.Body.Bytes())
}

func (a *API) replay(w http.ResponseWriter, r *http.Request, user, key, hash string) (bool, error) {
	prev, err := a.store.IdempotentReplay(r.Context(), user, key)
	if err != nil || prev == nil {
		return false, err
	}
	if prev.RequestHash != hash {
		return false, fieldError("Idempotency-Key", "this key was used for a different request")
	}
	h := http.Header{}
	for k, v := range prev.Headers {
		h.Set(k, v)
	}
	h.Set("Idempotent-Replayed", "true")
	copyResponse(w, h, prev.Status, prev.Body)
	return true, nil
}

func flatten(h http.Header) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}

func copyResponse(w http.ResponseWriter, h http.Header, status int, body []byte) {
	for k, v := range h {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
