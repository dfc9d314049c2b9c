package inbound

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
)

// UnsubscribePurpose is the purpose of the key unsubscribe links are
// signed with: secret.DeriveKey(serverKey, UnsubscribePurpose).
const UnsubscribePurpose = "unsubscribe v1"

// UnsubscribeURL is the one-click unsubscribe link of a contact, for the
// List-Unsubscribe field of bulk mail (RFC 8058): publicURL is where
// outsiders reach the hub, key the derived unsubscribe key.
func UnsubscribeURL(publicURL string, key []byte, contactID string) string {
	return strings.TrimRight(publicURL, "/") + "/in/unsubscribe/" + secret.SignRef(key, contactID)
}

// mountUnsubscribe adds the unsubscribe door when a key is configured.
// GET shows a page with a button and changes nothing, because mail
// scanners and link previews follow links; POST unsubscribes, as the
// button does and as mail providers do for one-click unsubscription
// (a POST with "List-Unsubscribe=One-Click").
func (h *Handler) mountUnsubscribe(r *mux.Router) {
	if len(h.cfg.UnsubscribeKey) == 0 {
		return
	}
	r.HandleFunc("/in/unsubscribe/{token}", h.unsubscribe).Methods(http.MethodGet, http.MethodPost)
}

func (h *Handler) unsubscribe(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	id, ok := secret.VerifyRef(h.cfg.UnsubscribeKey, mux.Vars(r)["token"])
	ctx := model.WithActor(r.Context(), model.System)
	var c *model.Contact
	var err error
	if ok {
		c, err = store.Get[model.Contact](ctx, h.cfg.Store, id)
	}
	if !ok || err != nil {
		if err != nil && model.ErrorCode(err) != model.ENOTFOUND {
			h.cfg.Logger.Error("inbound: unsubscribe", "err", err)
			http.Error(w, "Please try again later.", http.StatusServiceUnavailable)
			return
		}
		h.page(w, http.StatusNotFound, unsubscribePage{Lang: "en", Unknown: true})
		return
	}
	page := unsubscribePage{Lang: pageLanguage(c.Language), Done: c.Unsubscribed}
	if r.Method == http.MethodPost && !c.Unsubscribed {
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		if _, err := h.cfg.Store.SetUnsubscribed(ctx, c.ID, true); err != nil {
			h.cfg.Logger.Error("inbound: unsubscribe", "contact", c.ID, "err", err)
			http.Error(w, "Please try again later.", http.StatusServiceUnavailable)
			return
		}
		page.Done = true
	}
	h.page(w, http.StatusOK, page)
}

// unsubscribePage is what the page shows.
type unsubscribePage struct {
	Lang          string // en or ru
	Done, Unknown bool
}

func pageLanguage(lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "ru") {
		return "ru"
	}
	return "en"
}

func (h *Handler) page(w http.ResponseWriter, status int, p unsubscribePage) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = unsubscribeTemplate.Execute(w, p)
}

var unsubscribeTemplate = template.Must(template.New("unsubscribe").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if eq .Lang "ru"}}Отписка от рассылки{{else}}Unsubscribe{{end}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32em;margin:4em auto;padding:0 1em;color:#222}button{font:inherit;padding:.5em 1.2em}</style>
</head><body>
{{- if .Unknown}}
<h1>This link is not valid</h1><p>It may have been cut short by your mail program. Please use the link in the mail again.</p>
{{- else if .Done}}
{{if eq .Lang "ru"}}<h1>Вы отписаны</h1><p>Мы больше не будем присылать вам рассылки.</p>{{else}}<h1>You are unsubscribed</h1><p>You will not receive our mailings any more.</p>{{end}}
{{- else}}
{{if eq .Lang "ru"}}<h1>Отписаться от рассылки?</h1>{{else}}<h1>Unsubscribe from our mailings?</h1>{{end}}
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">{{if eq .Lang "ru"}}Отписаться{{else}}Unsubscribe{{end}}</button></form>
{{- end}}
</body></html>
`))
