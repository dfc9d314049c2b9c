package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/store"
)

// mountOperations registers the pages of webhooks, mailboxes, the
// quarantine and document templates. Each follows its API's rules: webhook
// endpoints are for admins only; every employee reads mailboxes, the
// quarantine and templates, asks for a fetch and writes templates, while
// only admins retry or discard quarantined mail (the store's policy).
func (c *Console) mountOperations(rt routes) {
	get, post := rt.get, rt.post
	get("/admin/webhooks", c.webhookEndpoints)
	get("/admin/webhooks/{id}", c.webhookEndpoint)
	post("/admin/webhooks/{id}/active", c.setWebhookActive)
	post("/admin/webhooks/{id}/replay", c.replayFailedDeliveries)
	get("/admin/webhooks/{id}/deliveries/{delivery}", c.webhookDelivery)
	post("/admin/webhooks/{id}/deliveries/{delivery}/replay", c.replayDelivery)
	get("/admin/mailboxes", c.mailboxList)
	get("/admin/mailboxes/{id}", c.mailboxPage)
	post("/admin/mailboxes/{id}/fetch", c.fetchMailbox)
	get("/admin/quarantine", c.quarantineList)
	get("/admin/quarantine/{id}", c.quarantineItem)
	post("/admin/quarantine/{id}/retry", c.retryQuarantined)
	post("/admin/quarantine/{id}/discard", c.discardQuarantined)
	get("/admin/templates", c.docTemplates)
	rt.upload("/admin/templates", c.uploadDocTemplate)
	get("/admin/templates/{id}", c.docTemplate)
	rt.upload("/admin/templates/{id}/versions", c.uploadDocTemplateVersion)
	post("/admin/templates/{id}/versions/{rev}/restore", c.restoreDocTemplateVersion)
	get("/admin/templates/{id}/lint", c.lintDocTemplate)
	get("/admin/templates/{id}/preview", c.previewDocTemplate)
}

// opsFilter is an equality filter a list page takes from its query:
// parameter, the store's field, and the values allowed (nil: a record id).
type opsFilter struct {
	param, field string
	choices      []string
}

// allows reports whether value is one the filter takes.
func (f opsFilter) allows(value string) bool {
	if f.choices == nil {
		return model.ValidID(value)
	}
	return slices.Contains(f.choices, value)
}

// opsList loads a page of an operations list in sort order, narrowed
// by the filters whose parameters v names with an allowed value; its pager
// keeps them. It returns the page and the filters' values by parameter.
func opsList[T any, P store.RecordPtr[T]](ctx context.Context, c *Console, v url.Values, path, sort string,
	filters ...opsFilter) (listData[P], map[string]string, error) {
	q := parseListQuery(v, nil)
	params := store.ListParams{Limit: c.cfg.PageSize, Cursor: q.After, Sort: sort, Equals: map[string]string{}}
	chosen := map[string]string{}
	for _, f := range filters {
		if val := v.Get(f.param); f.allows(val) {
			params.Equals[f.field], chosen[f.param] = val, val
		}
	}
	pg, err := store.List[T, P](ctx, c.cfg.Store, params)
	if err != nil {
		return listData[P]{}, nil, err
	}
	d := listData[P]{Query: q, Items: pg.Items, Pager: q.pagerFor(path, pg.NextCursor)}
	for _, f := range filters {
		if val := chosen[f.param]; val != "" {
			d.Pager = withParam(d.Pager, f.param, url.QueryEscape(val))
		}
	}
	return d, chosen, nil
}

// opsStatus is the status of a page drawn again with a refusal: the
// API's for the error's code.
func opsStatus(err error) int { return problem.Status(model.ErrorCode(err)) }

// opsRedraw draws a page again with the reason an action was refused, or the
// error page when there is no page to draw it on (not found) or the
// failure is the hub's own.
func (c *Console) opsRedraw(w http.ResponseWriter, r *http.Request, err error, draw func(http.ResponseWriter, *http.Request, error)) {
	if code := model.ErrorCode(err); code == model.ENOTFOUND || code == model.EINTERNAL {
		c.fail(w, r, err)
		return
	}
	draw(w, r, err)
}

// notConfigured answers 501: the hub runs without what the action needs
// (the mail engine, the merge service), as the API answers.
func (c *Console) notConfigured(w http.ResponseWriter, r *http.Request) {
	c.renderError(w, r, http.StatusNotImplemented, c.newPage(r, "").view)
}
