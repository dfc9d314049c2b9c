package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"rapport/hub/merge"
	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// BlobInfo describes stored content; the API and the merge service share
// one blob store, so they share its types.
type BlobInfo = merge.BlobInfo

// Blobs is the blob store the API needs (connectors/blobstore through cmd).
// Put reports content over maxBytes as a model.ETOOLARGE error.
type Blobs = merge.Blobs

// Config holds the API's dependencies and limits.
type Config struct {
	Store         *store.Store
	Blobs         Blobs
	MaxBodyBytes  int64 // JSON bodies; default 1 MiB
	MaxUploadSize int64 // attachments; default model.MaxAttachmentSize
	// Webhooks are connectors/webhook's URL, header and secret rules; without
	// them, webhook endpoints can be read but not created or changed (501).
	Webhooks WebhookChecks
	// PublicURL is where outsiders reach the hub ("https://crm.example.com"),
	// for the URLs of web forms and inbound hooks; empty means the host each
	// request came to.
	PublicURL string
	// Merge merges records into documents (POST /documents); nil answers 501.
	Merge *merge.Service
	// SecretBox seals mailbox passwords and tokens with the server key;
	// without it mailboxes can be read but not created or changed (501).
	SecretBox *secret.Box
	// MailFetcher and MailRetrier are the mail ingest engine (fetch now,
	// quarantine retries); nil answers 501.
	MailFetcher MailFetcher
	MailRetrier MailRetrier
	// MintMessageID mints our signed Message-IDs on a domain (mailmsg.Tokens
	// through cmd) and EnqueueMail queues a mail's delivery (the send_mail
	// job); without both, replies and documents by mail answer 501.
	MintMessageID func(ref, domain string) (string, error)
	EnqueueMail   store.Enqueue
	// MailFrom is the hub's sender (--mail-from) when no mailbox is chosen.
	MailFrom model.MailAddress
	// Mailings runs mailing-list sends as jobs; nil answers 501.
	Mailings Mailings
	// Privacy holds the keep-list of erasures and the blob collector.
	Privacy Privacy
}

// API serves /api/v1.
type API struct {
	cfg    Config
	store  *store.Store
	routes []route
}

// New returns the API with defaults applied.
func New(cfg Config) *API {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.MaxUploadSize <= 0 {
		cfg.MaxUploadSize = model.MaxAttachmentSize
	}
	return &API{cfg: cfg, store: cfg.Store}
}

// route is one documented operation; the OpenAPI description is built from
// this table, so a handler cannot be mounted without appearing in it.
type route struct {
	method, path string
	op           operation
}

// handle mounts h on r and records the operation for OpenAPI.
func (a *API) handle(r *mux.Router, method, path string, op operation, h http.HandlerFunc) {
	a.routes = append(a.routes, route{method, Prefix + path, op})
	r.HandleFunc(path, h).Methods(method)
}

// Mount registers every route on r, which must be the subrouter for Prefix
// with authentication already applied (OpenAPI is mounted separately).
func (a *API) Mount(r *mux.Router) {
	a.mountTemplates(r)
	a.mountMergeRecords(r) // before the collections: /contacts/duplicates is no id
	a.mountPrivacy(r)
	a.mountCollections(r)
	a.mountAccess(r)
	a.mountFeed(r)
	a.mountAttachments(r)
	a.mountWebhooks(r)
	a.mountRESTHooks(r)
	a.mountInbound(r)
	a.mountCommerce(r)
	a.mountSales(r)
	a.mountMarketing(r)
	a.mountReports(r)
	a.mountSupport(r)
	a.mountKB(r)
	a.mountReturns(r)
	a.mountContracts(r)
	a.mountBilling(r)
	a.mountDocuments(r)
	a.mountMail(r)
	a.mountMailSend(r)
	a.mountOffboard(r)
}

// writeJSON sends v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decodeStrict reads a JSON body into v under the size limit: malformed JSON
// is EMALFORMED (400), unknown fields and wrong types EINVALID (422), bodies
// over the limit ETOOLARGE (413).
func (a *API) decodeStrict(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := a.readBody(w, r)
	if err != nil {
		return err
	}
	return decodeBytes(body, v)
}

func (a *API) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.Contains(ct, "json") {
		return nil, model.Errorf(model.EMALFORMED, "send a JSON body (Content-Type: application/json)")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if asMaxBytes(err, &mbe) {
			return nil, model.Errorf(model.ETOOLARGE, "the body is larger than %d bytes", a.cfg.MaxBodyBytes)
		}
		return nil, model.Errorf(model.EMALFORMED, "could not read the body")
	}
	return body, nil
}

// ifMatch returns the version required by If-Match ("N" or W/"N"), 0 when absent or "*".
func ifMatch(r *http.Request) (int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0, nil
	}
	h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, err := strconv.ParseInt(h, 10, 64)
	if err != nil || v <= 0 {
		return 0, model.Errorf(model.EPRECONDITION, "If-Match must be an ETag this API sent")
	}
	return v, nil
}

// etag is a record's strong entity tag: its version.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

func fail(w http.ResponseWriter, r *http.Request, err error) { problem.Write(w, r, err) }

// requireAdmin checks that the actor is an admin whose credential allows admin work.
func requireAdmin(ctx context.Context) error {
	if !model.ActorFrom(ctx).IsAdmin() {
		return model.Errorf(model.EFORBIDDEN, "admins only (with an admin-scoped token)")
	}
	return nil
}
