package inbound

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"rapport/hub/auth"
	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/store"
)

// submitForm turns one submission into a contact. Browsers posting the
// form are sent to its thank-you page (303) or shown a short one; scripts
// posting JSON get JSON. Spam caught by the honeypot is answered exactly
// like a real submission, so that bots learn nothing.
func (h *Handler) submitForm(w http.ResponseWriter, r *http.Request) {
	allowCORS(w)
	f, err := h.cfg.Store.WebFormByKey(r.Context(), mux.Vars(r)["key"])
	if err != nil {
		h.formError(w, r, err)
		return
	}
	ip := h.cfg.ClientIP(r)
	if ok, wait := h.limiter(f.RateLimit).Acquire(f.ID + "|" + auth.RateKey(ip)); !ok {
		auth.SetRetryAfter(w, wait)
		h.formError(w, r, model.Errorf(model.ERATELIMIT, "too many submissions from your address; try again later"))
		return
	}
	values, err := formValues(w, r, h.cfg.MaxFormBytes)
	if err != nil {
		h.formError(w, r, err)
		return
	}
	if f.IsSpam(values) {
		h.cfg.Logger.Info("web form spam dropped", "form", f.ID, "ip", ip)
		h.formDone(w, r, f)
		return
	}
	in, err := f.Intake(values)
	if err == nil {
		_, err = h.cfg.Store.SubmitWebForm(r.Context(), f, in, store.Submission{ClientIP: ip,
			UserAgent: truncate(r.UserAgent(), 300), Referer: truncate(r.Referer(), 500)})
	}
	if err != nil {
		h.formError(w, r, err)
		return
	}
	h.formDone(w, r, f)
}

// formValues reads a submission: urlencoded, multipart (files are
// ignored) or a JSON object of scalars and arrays of scalars.
func formValues(w http.ResponseWriter, r *http.Request, max int64) (map[string][]string, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, model.Errorf(model.ETOOLARGE, "the submission is larger than %d bytes", max)
	}
	if err != nil {
		return nil, model.Errorf(model.EMALFORMED, "the submission could not be read")
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded", "":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, model.Errorf(model.EMALFORMED, "the submission is not valid form encoding")
		}
		return v, nil
	case "multipart/form-data":
		return multipartValues(body, params["boundary"], max)
	case "application/json":
		return jsonValues(body)
	}
	return nil, model.Errorf(model.EMALFORMED, "send the form urlencoded, as multipart/form-data or as JSON, not %s", mt)
}

// multipartValues reads the text fields of a multipart body.
func multipartValues(body []byte, boundary string, max int64) (map[string][]string, error) {
	if boundary == "" {
		return nil, model.Errorf(model.EMALFORMED, "multipart/form-data without a boundary")
	}
	r := &http.Request{Method: http.MethodPost, Header: http.Header{"Content-Type": {"multipart/form-data; boundary=" + boundary}},
		Body: io.NopCloser(bytes.NewReader(body))}
	if err := r.ParseMultipartForm(max); err != nil {
		return nil, model.Errorf(model.EMALFORMED, "the multipart submission is broken")
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	return r.MultipartForm.Value, nil
}

// jsonValues reads a JSON object whose values are strings, numbers,
// booleans or arrays of those.
func jsonValues(body []byte) (map[string][]string, error) {
	var obj map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&obj); err != nil || obj == nil || d.More() {
		return nil, model.Errorf(model.EMALFORMED, "the submission is not a JSON object")
	}
	out := map[string][]string{}
	for k, v := range obj {
		list, ok := v.([]any)
		if !ok {
			list = []any{v}
		}
		for _, e := range list {
			switch e := e.(type) {
			case string:
				out[k] = append(out[k], e)
			case json.Number, bool:
				out[k] = append(out[k], fmt.Sprint(e))
			case nil:
			default:
				return nil, model.Errorf(model.EMALFORMED, "field %q must be a value or a list of values", k)
			}
		}
	}
	return out, nil
}

// wantsJSON reports whether the client is a script rather than a browser
// submitting the form itself.
func wantsJSON(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/json" || strings.Contains(r.Header.Get("Accept"), "application/json")
}

// formDone answers an accepted submission.
func (h *Handler) formDone(w http.ResponseWriter, r *http.Request, f *model.WebForm) {
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case wantsJSON(r):
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"status":"received"}` + "\n"))
	case f.RedirectURL != "":
		http.Redirect(w, r, f.RedirectURL, http.StatusSeeOther)
	default:
		page(w, http.StatusOK, "Thank you", "Your message has been received.", nil)
	}
}

// formError answers a refused submission: problem+json for scripts, a
// short page listing what to correct for browsers.
func (h *Handler) formError(w http.ResponseWriter, r *http.Request, err error) {
	if wantsJSON(r) {
		problem.Write(w, r, err)
		return
	}
	p := problem.From(err)
	if p.Status >= 500 {
		h.cfg.Logger.Error("web form failed", "path", r.URL.Path, "err", err)
	}
	var items []string
	for _, e := range p.Errors {
		items = append(items, e.Field+": "+e.Message)
	}
	page(w, p.Status, p.Title, p.Detail, items)
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}}</title></head>
<body><h1>{{.Title}}</h1><p>{{.Detail}}</p>{{if .Items}}<ul>{{range .Items}}<li>{{.}}</li>{{end}}</ul>
<p>Please go back, correct the form and send it again.</p>{{end}}</body></html>
`))

// page writes a minimal HTML page.
func page(w http.ResponseWriter, status int, title, detail string, items []string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, map[string]any{"Title": title, "Detail": detail, "Items": items})
}

// preflight answers a browser's CORS preflight for a script that posts
// JSON from the site the form is on. Forms take no credentials, so any
// origin may post.
func (h *Handler) preflight(w http.ResponseWriter, r *http.Request) {
	allowCORS(w)
	w.Header().Set("Access-Control-Allow-Methods", "POST")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Accept")
	w.Header().Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

func allowCORS(w http.ResponseWriter) { w.Header().Set("Access-Control-Allow-Origin", "*") }

// truncate cuts s to at most n bytes, dropping a rune cut in half.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
