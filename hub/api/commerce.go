package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// mountCommerce serves products, price lists (with entries), exchange rates
// and the base currency, quotes and orders (with lines and actions).
func (a *API) mountCommerce(r *mux.Router) {
	products := &collection[model.Product, *model.Product]{api: a, path: "/products", tag: "Products", filters: "sku active unit"}
	products.create = activeByDefault(products)
	products.mount(r)
	lists := &collection[model.PriceList, *model.PriceList]{api: a, path: "/price-lists", tag: "Products", filters: "currency active prices_include_tax"}
	lists.create = activeByDefault(lists)
	lists.mount(r)
	a.mountPriceEntries(r)
	(&collection[model.ExchangeRate, *model.ExchangeRate]{api: a, path: "/exchange-rates", tag: "Products", filters: "currency valid_from"}).mount(r)
	a.handle(r, http.MethodGet, "/currency/convert", operation{id: "convert_currency", tag: "Products", kind: opCustom,
		summary: "Convert an amount to the base currency at the rate valid on a date", schema: "Conversion",
		params: []string{"amount", "currency", "date"}}, a.convert)
	a.handle(r, http.MethodGet, "/settings/base-currency", operation{id: "get_base_currency", tag: "Products",
		summary: "The installation's base currency", schema: "BaseCurrency"}, a.baseCurrency)
	a.handle(r, http.MethodPut, "/settings/base-currency", operation{id: "set_base_currency", tag: "Products", kind: opCustom,
		summary: "Change the base currency (admins; only while no exchange rates exist)", request: "BaseCurrency", schema: "BaseCurrency"}, a.setBaseCurrency)
	a.mountQuotes(r)
	a.mountOrders(r)
}

// activeByDefault is a create handler for records with an Active flag that
// a client leaves out: it starts true.
func activeByDefault[T any, P store.RecordPtr[T]](c *collection[T, P]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := P(new(T))
		switch v := any(rec).(type) {
		case *model.Product:
			v.Active = true
		case *model.PriceList:
			v.Active = true
		}
		if err := c.api.decodeStrict(w, r, rec); err != nil {
			fail(w, r, err)
			return
		}
		*rec.RecordMeta() = model.Meta{}
		c.store(w, r, rec, func(ctx context.Context) error { return store.Create(ctx, c.api.store, rec) })
	}
}

func (a *API) mountPriceEntries(r *mux.Router) {
	a.handle(r, http.MethodGet, "/price-lists/{id}/entries", operation{id: "list_price_entries", tag: "Products", kind: opCustom,
		summary: "A price list's prices in product id order (cursor: the last product id seen)", schema: "PriceEntryPage",
		params: []string{"cursor", "limit"}}, a.priceEntries)
	a.handle(r, http.MethodPost, "/price-lists/{id}/entries", operation{id: "set_price_entries", tag: "Products", kind: opCustom,
		summary: "Set and remove prices in one change (up to 10,000; all or nothing)", request: "PriceEntriesRequest", schema: "PriceList"}, a.setPriceEntries)
	a.handle(r, http.MethodGet, "/price-lists/{id}/entries/{product_id}", operation{id: "get_price_entry", tag: "Products",
		summary: "One product's price in the list", schema: "PriceListEntry"}, a.priceEntry)
	a.handle(r, http.MethodDelete, "/price-lists/{id}/entries/{product_id}", operation{id: "delete_price_entry", tag: "Products",
		summary: "Remove one product's price", kind: opCustom, schema: "PriceList"}, a.deletePriceEntry)
}

// PriceEntriesRequest is the body of POST /price-lists/{id}/entries.
type PriceEntriesRequest struct {
	Entries []model.PriceListEntry `json:"entries"`
	Remove  []string               `json:"remove"`
}

func (a *API) priceEntries(w http.ResponseWriter, r *http.Request) {
	params, err := listParams(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	limit := params.Limit
	if limit == 0 {
		limit = 100
	}
	items, err := a.store.PriceEntries(r.Context(), mux.Vars(r)["id"], params.Cursor, limit)
	if err != nil {
		fail(w, r, err)
		return
	}
	next := ""
	if len(items) == limit {
		next = items[len(items)-1].ProductID
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": next})
}

func (a *API) priceEntry(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	e, err := a.store.PriceEntry(r.Context(), v["id"], v["product_id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (a *API) setPriceEntries(w http.ResponseWriter, r *http.Request) {
	var in PriceEntriesRequest
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	a.writePrices(w, r, in.Entries, in.Remove)
}

func (a *API) deletePriceEntry(w http.ResponseWriter, r *http.Request) {
	a.writePrices(w, r, nil, []string{mux.Vars(r)["product_id"]})
}

func (a *API) writePrices(w http.ResponseWriter, r *http.Request, entries []model.PriceListEntry, remove []string) {
	version, err := ifMatch(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	pl, err := a.store.SetPrices(r.Context(), mux.Vars(r)["id"], version, entries, remove)
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(pl.Version))
	writeJSON(w, http.StatusOK, pl)
}

// Conversion is the answer of GET /currency/convert.
type Conversion struct {
	Amount    model.Decimal `json:"amount"`
	Currency  string        `json:"currency"`
	Date      model.Date    `json:"date"`
	Base      string        `json:"base"`
	Rate      model.Decimal `json:"rate"`
	Converted model.Decimal `json:"converted"`
}

func (a *API) convert(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c := Conversion{Currency: strings.ToUpper(q.Get("currency")), Date: model.Date{Time: time.Now().UTC()}}
	amount, err := model.ParseDecimal(q.Get("amount"))
	if err == nil && q.Get("date") != "" {
		c.Date, err = model.ParseDate(q.Get("date"))
	}
	ctx := r.Context()
	if err == nil {
		c.Amount = amount
		c.Rate, err = a.store.RateOn(ctx, c.Currency, c.Date.Time)
	}
	if err == nil {
		c.Converted, err = a.store.ConvertToBase(ctx, amount, c.Currency, c.Date.Time)
	}
	if err == nil {
		c.Base, err = a.store.BaseCurrency(ctx)
	}
	if err != nil {
		fail(w, r, model.Errorf(model.EINVALID, "%s", strings.TrimPrefix(err.Error(), "model: ")))
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// BaseCurrency is the body of the base currency setting.
type BaseCurrency struct {
	Currency string `json:"currency"`
}

func (a *API) baseCurrency(w http.ResponseWriter, r *http.Request) {
	c, err := a.store.BaseCurrency(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, BaseCurrency{c})
}

func (a *API) setBaseCurrency(w http.ResponseWriter, r *http.Request) {
	var in BaseCurrency
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	if err := a.store.SetBaseCurrency(r.Context(), in.Currency); err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}

// PriceEntryPage is a page of a price list's entries.
type PriceEntryPage struct {
	Items      []model.PriceListEntry `json:"items"`
	NextCursor string                 `json:"next_cursor"`
}

// LinePage is every line of a quote or an order, in order.
type LinePage struct {
	Items []model.Line `json:"items"`
}

// QuoteCreate is the create body of a quote: its fields and its first lines.
type QuoteCreate struct {
	model.Quote
	Lines []model.LineInput `json:"lines"`
}

// OrderCreate is the create body of a direct order: its fields and lines.
type OrderCreate struct {
	model.Order
	Lines []model.LineInput `json:"lines"`
}

// commerceSchemaTypes are the commerce types described in components/schemas.
var commerceSchemaTypes = []any{model.Product{}, model.PriceList{}, model.PriceListEntry{}, model.ExchangeRate{},
	model.Quote{}, model.Order{}, model.Line{}, model.LineInput{}, model.LineBatch{}, QuoteCreate{}, OrderCreate{},
	ActionRequest{}, LinesReplace{}, PriceEntriesRequest{}, PriceEntryPage{}, LinePage{}, Conversion{}, BaseCurrency{}}

func init() { schemaTypes = append(schemaTypes, commerceSchemaTypes...) }
