package api

import (
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"rapport/model"
)

// opKind selects the standard parameters and responses of an operation.
type opKind int

const (
	opCustom opKind = iota
	opList
	opSearch
	opCreate
	opGet
	opPatch
	opDelete
	opHistory
)

// operation documents one route.
type operation struct {
	id, summary, tag string
	kind             opKind
	schema           string // response (and request) schema name
	request          string // request schema when it differs
	params           []string
	status           int // success status for custom operations
}

func (c *collection[T, P]) op(verb, idVerb, schema string, kind opKind) operation {
	name := strings.NewReplacer("-", "_", "/", "_").Replace(strings.TrimPrefix(c.path, "/"))
	return operation{id: idVerb + "_" + name, summary: verb + " " + strings.ReplaceAll(name, "_", " "),
		tag: c.tag, kind: kind, schema: schema, params: strings.Fields(c.filters)}
}

func schemaName[T any]() string { return reflect.TypeOf(new(T)).Elem().Name() }

// schemaTypes are the Go types described in components/schemas.
var schemaTypes = []any{model.DocumentTemplate{}, model.DocumentTemplateVersion{}, model.User{}, model.Team{}, model.Territory{}, model.Account{}, model.Contact{},
	model.Activity{}, model.Attachment{}, model.Change{}, model.APIToken{}, model.AppPassword{}, model.AuditEvent{}, model.ICSFeed{}, model.DAVCollection{},
	model.WebhookEndpoint{}, model.WebhookState{}, model.WebhookDelivery{}, model.WebhookAttempt{},
	model.WebForm{}, model.InboundHook{}, model.InboundMessage{},
	model.Pipeline{}, model.Stage{}, model.Opportunity{}, model.StageChange{}, model.Competitor{}, model.Lead{}, model.Campaign{},
	model.MailingList{}, model.CampaignMember{}, ListMembersRequest{}, ListMembersAdded{}, ContactPage{}, CampaignMembersRequest{}, CampaignMembersFromList{}, model.FromListResult{}, CampaignMemberPage{},
	model.Script{}, model.ScriptQuestion{}, model.ScriptRun{}, model.ScriptResult{}, model.ReportDefinition{},
	model.Request{}, model.Queue{}, model.SLATarget{}, model.TimeEntry{},
	model.KBArticle{}, model.KBVote{}, model.KBVoteSummary{}, model.KBArticleVersion{}, model.KBHit{}, model.KBSearchResult{}, KBVoteRequest{}, KBVersionList{}, KBViewCount{},
	model.Registration{}, model.RMA{}, model.Contract{}}

// OpenAPI returns the OpenAPI 3.1 description of every mounted route.
func (a *API) OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, rt := range a.routes {
		item, _ := paths[rt.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.path] = item
		}
		item[strings.ToLower(rt.method)] = rt.op.document(rt.path)
	}
	schemas := map[string]any{"Problem": problemSchema,
		"ChangePage": withHorizon(pageSchema("Change", "next_since", "integer")), "AuditPage": pageSchema("AuditEvent", "next_before", "string"),
		"TokenRequest": objectSchema(reflect.TypeOf(tokenRequest{})), "AppPasswordRequest": objectSchema(reflect.TypeOf(appPasswordRequest{})),
		"ICSFeedRequest": objectSchema(reflect.TypeOf(icsFeedRequest{}))}
	for _, v := range schemaTypes {
		t := reflect.TypeOf(v)
		schemas[t.Name()] = objectSchema(t)
	}
	maps.Copy(schemas, webhookSchemas())
	maps.Copy(schemas, templateSchemas())
	maps.Copy(schemas, inboundSchemas())
	maps.Copy(schemas, restHookSchemas())
	maps.Copy(schemas, salesSchemas())
	maps.Copy(schemas, reportSchemas())
	maps.Copy(schemas, supportSchemas())
	maps.Copy(schemas, returnSchemas())
	maps.Copy(schemas, contractSchemas())
	maps.Copy(schemas, billingSchemas())
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Rapport API", "version": "1",
			"description": "REST API of the Rapport CRM hub. Lists page with cursors; PATCH takes JSON merge patch; errors are RFC 9457 problem+json."},
		"paths": paths,
		"components": map[string]any{"schemas": schemas, "securitySchemes": map[string]any{
			"bearer": map[string]any{"type": "http", "scheme": "bearer"},
			"cookie": map[string]any{"type": "apiKey", "in": "cookie", "name": "rapport_session"}}},
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"cookie": []any{}}},
	}
}

// ServeOpenAPI answers GET /api/v1/openapi.json.
func (a *API) ServeOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.OpenAPI())
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

func (o operation) document(path string) map[string]any {
	doc := map[string]any{"operationId": o.id, "summary": o.summary, "tags": []string{o.tag}}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		params = append(params, param(m[1], "path", "string", true))
	}
	if o.kind == opList || o.kind == opSearch {
		params = append(params, param("limit", "query", "integer", false), param("cursor", "query", "string", false),
			param("sort", "query", "string", false), param("q", "query", "string", false))
	}
	// Filters of lists, and the query parameters of custom operations (a
	// collection hands its filters to every operation, so not the others).
	if o.kind == opList || o.kind == opSearch || o.kind == opCustom {
		for _, f := range o.params {
			params = append(params, param(f, "query", "string", false))
		}
	}
	if o.kind == opPatch || o.kind == opDelete {
		params = append(params, param("If-Match", "header", "string", false))
	}
	if len(params) > 0 {
		doc["parameters"] = params
	}
	if body := o.requestBody(); body != nil {
		doc["requestBody"] = body
	}
	doc["responses"] = o.responses()
	return doc
}

func param(name, in, typ string, required bool) map[string]any {
	return map[string]any{"name": name, "in": in, "required": required, "schema": map[string]any{"type": typ}}
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

func (o operation) requestBody() map[string]any {
	switch o.kind {
	case opCreate:
		return map[string]any{"required": true, "content": jsonContent(ref(o.schema))}
	case opPatch:
		return map[string]any{"required": true, "content": map[string]any{
			"application/merge-patch+json": map[string]any{"schema": ref(o.schema)}, "application/json": map[string]any{"schema": ref(o.schema)}}}
	case opSearch:
		cond := map[string]any{"type": "object", "properties": map[string]any{"field": map[string]any{"type": "string"},
			"op": map[string]any{"enum": model.FilterOps}, "value": map[string]any{}}}
		return map[string]any{"required": true, "content": jsonContent(map[string]any{"type": "object", "properties": map[string]any{
			"all": map[string]any{"type": "array", "items": cond}, "any": map[string]any{"type": "array", "items": cond}}})}
	}
	if o.request != "" {
		return map[string]any{"required": true, "content": jsonContent(ref(o.request))}
	}
	return nil
}

func (o operation) responses() map[string]any {
	problem := map[string]any{"description": "problem", "content": map[string]any{"application/problem+json": map[string]any{"schema": ref("Problem")}}}
	page := map[string]any{"type": "object", "properties": map[string]any{
		"items": map[string]any{"type": "array", "items": ref(o.schema)}, "next_cursor": map[string]any{"type": "string"}}}
	out := map[string]any{"default": problem}
	switch o.kind {
	case opList, opSearch, opHistory:
		out["200"] = map[string]any{"description": "a page", "content": jsonContent(page)}
	case opCreate:
		out["201"] = map[string]any{"description": "created", "content": jsonContent(ref(o.schema))}
	case opDelete:
		out["204"] = map[string]any{"description": "deleted"}
	default:
		status := o.status
		if status == 0 {
			status = http.StatusOK
		}
		var content any = jsonContent(map[string]any{"type": "object"})
		if o.schema != "" {
			content = jsonContent(ref(o.schema))
		}
		out[itoa(status)] = map[string]any{"description": http.StatusText(status), "content": content}
	}
	return out
}

// pageSchema describes {"items": [...], cursorName: ...}.
func pageSchema(item, cursorName, cursorType string) map[string]any {
	return map[string]any{"type": "object", "properties": map[string]any{
		"items": map[string]any{"type": "array", "items": ref(item)}, cursorName: map[string]any{"type": cursorType}}}
}

var problemSchema = map[string]any{"type": "object", "properties": map[string]any{
	"type": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"}, "status": map[string]any{"type": "integer"},
	"detail": map[string]any{"type": "string"}, "code": map[string]any{"type": "string"},
	"errors": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
		"field": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}}}}

var (
	timeType    = reflect.TypeOf(time.Time{})
	dateType    = reflect.TypeOf(model.Date{})
	moneyType   = reflect.TypeOf(model.Money{})
	decimalType = reflect.TypeOf(model.Decimal{})
)

// readOnly lists server-owned properties.
var readOnly = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range model.MetaJSONFields {
		m[f] = true
	}
	return m
}()

// objectSchema describes a struct by its JSON fields.
func objectSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	addFields(t, props)
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	return map[string]any{"type": "object", "properties": props, "x-property-order": names}
}

func addFields(t reflect.Type, props map[string]any) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("json") == "" {
			addFields(f.Type, props) // promoted, as encoding/json does
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := typeSchema(f.Type)
		if readOnly[name] {
			s["readOnly"] = true
		}
		props[name] = s
	}
}

func typeSchema(t reflect.Type) map[string]any {
	nullable := false
	if t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == timeType:
		s = map[string]any{"type": "string", "format": "date-time"}
	case t == dateType:
		s = map[string]any{"type": "string", "format": "date"}
	case t == decimalType:
		s = map[string]any{"type": "string", "format": "decimal", "pattern": `^-?[0-9]+(\.[0-9]{1,4})?$`}
	case t == moneyType:
		s = map[string]any{"type": "object", "properties": map[string]any{"amount": map[string]any{"type": "string"}, "currency": map[string]any{"type": "string"}}}
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = map[string]any{"type": "integer"}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		s = map[string]any{}
	case t.Kind() == reflect.Slice:
		s = map[string]any{"type": "array", "items": typeSchema(t.Elem())}
	case t.Kind() == reflect.Map:
		s = map[string]any{"type": "object"}
	case t.Kind() == reflect.Struct:
		s = objectSchema(t)
	default:
		s = map[string]any{}
	}
	if nullable {
		if typ, ok := s["type"].(string); ok {
			s["type"] = []string{typ, "null"}
		}
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }
