package inbound_test

import (
	"net/http"
	"testing"

	"rapport/model"
	"rapport/model/storetest"
)

// FuzzWebFormSubmission posts arbitrary bodies with the content types
// browsers and scripts use: the form answers a success or a 4xx, never
// a 5xx or a panic.
func FuzzWebFormSubmission(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "first=Ada&email=ada%40example.com")
	f.Add("application/json", `{"email":["a@example.com",1,true,null],"first":"Ada"}`)
	f.Add("multipart/form-data; boundary=X", "--X\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@example.com\r\n--X--\r\n")
	f.Add("application/json", `{"email":{"nested":[1]}}`)
	f.Add("text/plain", "\xff\xfe")
	s := storetest.Open(f, "sqlite")
	rg := newRig(f, s, false)
	form := rg.newForm(func(f2 *model.WebForm) { f2.RateLimit = 10_000 })
	f.Fuzz(func(t *testing.T, contentType, body string) {
		rg.t = t
		rec := rg.post("/in/forms/"+form.Key, contentType, body, "192.0.2.1")
		if rec.Code >= http.StatusInternalServerError {
			t.Fatalf("%d for %q %q: %s", rec.Code, contentType, body, rec.Body)
		}
	})
}
