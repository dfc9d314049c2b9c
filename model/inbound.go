package model

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// Intake targets: what a web form or an inbound webhook creates. The sales
// and support issues add "lead" and "request".
const (
	TargetContact = "contact"
	TargetLead    = "lead"
	TargetRequest = "request"
)

// IntakeTargets lists the targets inbound forms and hooks may have.
var IntakeTargets = []string{TargetContact, TargetLead, TargetRequest}

// IntakeFields lists, per target, the flat fields a form or hook may fill.
// "custom_fields.<name>" fills a custom field in addition.
var IntakeFields = map[string][]string{
	TargetContact: {"first_name", "middle_name", "last_name", "display_name", "title", "email", "phone", "mobile",
		"company", "website", "language", "birthday", "notes", "tags", "street", "city", "region", "postal_code", "country"},
	TargetLead: {"first_name", "last_name", "display_name", "title", "email", "phone", "mobile", "company", "industry",
		"website", "language", "source", "campaign_id", "notes", "tags", "street", "city", "region", "postal_code", "country"},
	// A request's own fields, and who asks (found or made as a contact).
	TargetRequest: {"subject", "description", "priority", "tags", "first_name", "last_name", "display_name", "email", "phone",
		"company"},
}

// customFieldPrefix names a custom field in a mapping.
const customFieldPrefix = "custom_fields."

// ValidIntakeField reports whether field may be filled for target.
func ValidIntakeField(target, field string) bool {
	if name, ok := strings.CutPrefix(field, customFieldPrefix); ok {
		return name != "" && len(name) <= 64
	}
	return slices.Contains(IntakeFields[target], field)
}

// Intake is what one submission supplies: target field → value.
type Intake map[string]string

// Intake field limits: a submission is text typed by a person or sent by a
// system, never a document.
const (
	maxIntakeValue  = 10_000
	maxIntakeFields = 100
)

// IntakeRules are what web forms and inbound hooks share: the target, the
// mapping from target fields to where their values come from, fixed values,
// required fields, and the user who owns what they create.
type IntakeRules struct {
	Target   string            `gorm:"size:32;not null" json:"target"`
	Mapping  map[string]string `gorm:"serializer:json" json:"mapping"`
	Defaults map[string]string `gorm:"serializer:json" json:"defaults"`
	Required []string          `gorm:"serializer:json" json:"required"`
	OwnerID  *string           `gorm:"size:36" json:"owner_id"`
	Active   bool              `gorm:"not null" json:"active"`
}

func (r *IntakeRules) normalize() {
	r.Target = strings.ToLower(strings.TrimSpace(r.Target))
	if r.Target == "" {
		r.Target = TargetContact
	}
	r.Mapping = trimmedMap(r.Mapping)
	r.Defaults = trimmedMap(r.Defaults)
	for i, f := range r.Required {
		r.Required[i] = strings.TrimSpace(f)
	}
	r.Required = Dedupe(r.Required)
	if r.Required == nil {
		r.Required = []string{}
	}
}

func trimmedMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out
}

func (r *IntakeRules) validate(fe FieldErrors, source string) {
	if !slices.Contains(IntakeTargets, r.Target) {
		fe.Add("target", "must be one of "+strings.Join(IntakeTargets, ", "))
		return
	}
	if len(r.Mapping) == 0 {
		fe.Add("mapping", "map at least one field")
	}
	if len(r.Mapping)+len(r.Defaults) > maxIntakeFields {
		fe.Add("mapping", "at most 100 fields")
	}
	for _, field := range slices.Sorted(maps.Keys(r.Mapping)) {
		switch {
		case !ValidIntakeField(r.Target, field):
			fe.Add("mapping."+field, "unknown field; use one of "+strings.Join(IntakeFields[r.Target], ", ")+" or custom_fields.<name>")
		case r.Mapping[field] == "" || len(r.Mapping[field]) > 200:
			fe.Add("mapping."+field, "name the "+source+" (1 to 200 characters)")
		}
	}
	for _, field := range slices.Sorted(maps.Keys(r.Defaults)) {
		if !ValidIntakeField(r.Target, field) {
			fe.Add("defaults."+field, "unknown field")
		}
	}
	for _, field := range r.Required {
		if r.Mapping[field] == "" {
			fe.Add("required", field+" is not mapped")
		}
	}
	if r.OwnerID != nil && !ValidID(*r.OwnerID) {
		fe.Add("owner_id", "not a valid id")
	}
}

// complete adds the defaults to what a submission supplied and checks the
// required fields and the values' sizes.
func (r *IntakeRules) complete(in Intake) (Intake, error) {
	fe := FieldErrors{}
	for field, v := range r.Defaults {
		if in[field] == "" {
			in[field] = v
		}
	}
	for _, field := range r.Required {
		if strings.TrimSpace(in[field]) == "" {
			fe.Add(field, "required")
		}
	}
	for field, v := range in {
		if len(v) > maxIntakeValue {
			fe.Add(field, "too long (at most 10,000 bytes)")
		}
	}
	return in, fe.Err()
}

// Contact builds the contact an intake describes, and the name of its
// company (which the store resolves to an account).
func (in Intake) Contact() (c *Contact, company string, err error) {
	c = &Contact{FirstName: in["first_name"], MiddleName: in["middle_name"], LastName: in["last_name"],
		DisplayName: in["display_name"], Title: in["title"], Language: in["language"], Notes: in["notes"],
		Emails: in.labeled("email"), Phones: in.labeled("phone", "mobile"), URLs: in.labeled("website"),
		Tags: in.tags(), Addresses: in.addresses(), CustomFields: in.customFields()}
	if b := in["birthday"]; b != "" {
		d, err := ParseDate(b)
		if err != nil {
			return nil, "", fieldErr("birthday", "a date, YYYY-MM-DD")
		}
		c.Birthday = &d
	}
	return c, in["company"], nil
}

// Request builds the request an intake describes (its contact is found or
// made separately), arriving through channel.
func (in Intake) Request(channel string) *Request {
	subject := in["subject"]
	if subject == "" {
		subject = firstLine(in["description"], 120)
	}
	return &Request{Subject: subject, Description: in["description"], Priority: in["priority"], Channel: channel,
		Tags: in.tags(), CustomFields: in.customFields()}
}

// firstLine is the first line of s, cut to n bytes on a rune boundary.
func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "")
	}
	return s
}

// Lead builds the lead an intake describes.
func (in Intake) Lead() *Lead {
	l := &Lead{FirstName: in["first_name"], LastName: in["last_name"], DisplayName: in["display_name"], Title: in["title"],
		Company: in["company"], Industry: in["industry"], Website: in["website"], Language: in["language"],
		Source: in["source"], Notes: in["notes"], Emails: in.labeled("email"), Phones: in.labeled("phone", "mobile"),
		Tags: in.tags(), Addresses: in.addresses(), CustomFields: in.customFields()}
	if id := in["campaign_id"]; id != "" {
		l.CampaignID = &id
	}
	return l
}

// labeled lists the values of fields with their labels: "email" and
// "phone" are work values, "mobile" a mobile one.
func (in Intake) labeled(fields ...string) []Labeled {
	var out []Labeled
	for _, f := range fields {
		typ := "work"
		if f == "mobile" {
			typ = "mobile"
		}
		if v := in[f]; v != "" {
			out = append(out, Labeled{Type: typ, Value: v})
		}
	}
	return out
}

// tags splits the comma-separated tags field.
func (in Intake) tags() []string {
	var out []string
	for t := range strings.SplitSeq(in["tags"], ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// addresses is the work address the address fields give, if any.
func (in Intake) addresses() []Address {
	a := Address{Type: "work", Street: in["street"], City: in["city"], Region: in["region"], PostalCode: in["postal_code"], Country: in["country"]}
	if a == (Address{Type: "work"}) {
		return nil
	}
	return []Address{a}
}

// customFields collects the custom_fields.<name> values.
func (in Intake) customFields() map[string]any {
	var out map[string]any
	for field, v := range in {
		if name, ok := strings.CutPrefix(field, customFieldPrefix); ok && v != "" {
			if out == nil {
				out = map[string]any{}
			}
			out[name] = v
		}
	}
	return out
}

// fieldErr is an EINVALID error about one field.
func fieldErr(field, msg string) error {
	fe := FieldErrors{}
	fe.Add(field, msg)
	return fe.Err()
}

// WebForm is a public form on a web site: a POST to /in/forms/{key} creates
// a record of its target from the submitted fields.
type WebForm struct {
	Meta
	IntakeRules
	// Key is the form's public name in its action URL; the server makes it.
	Key  string `gorm:"size:64;not null" json:"key"`
	Name string `gorm:"size:200;not null" json:"name"`
	// Honeypot names a field that people never see nor fill; a submission
	// that fills it is treated as spam (answered as if accepted, stored not).
	Honeypot string `gorm:"size:64" json:"honeypot"`
	// RedirectURL is the thank-you page a browser is sent to afterwards.
	RedirectURL string `gorm:"size:2048" json:"redirect_url"`
	// RateLimit is how many submissions one address may make per hour.
	RateLimit int `gorm:"not null" json:"rate_limit"`
}

// DefaultFormRateLimit is the submissions per address and hour of a form
// that does not say.
const DefaultFormRateLimit = 20

// Entity implements Record.
func (*WebForm) Entity() string { return "web_form" }

// OwnerTeam implements Owned.
func (f *WebForm) OwnerTeam() (string, string) { return deref(f.OwnerID), "" }

// Refs implements Referrer.
func (f *WebForm) Refs() []Ref { return []Ref{{"owner_id", "user", f.OwnerID}} }

// KeepServerOwned implements ServerOwned: the key cannot be edited.
func (f *WebForm) KeepServerOwned(prev Record) { f.Key = prev.(*WebForm).Key }

// Normalize implements Record.
func (f *WebForm) Normalize() {
	f.IntakeRules.normalize()
	f.Name = strings.TrimSpace(f.Name)
	f.Honeypot = strings.TrimSpace(f.Honeypot)
	f.RedirectURL = strings.TrimSpace(f.RedirectURL)
	if f.RateLimit == 0 {
		f.RateLimit = DefaultFormRateLimit
	}
}

// Validate implements Record.
func (f *WebForm) Validate() error {
	fe := FieldErrors{}
	if f.Name == "" {
		fe.Add("name", "required")
	}
	f.IntakeRules.validate(fe, "form field")
	if f.RedirectURL != "" && !ValidURL(f.RedirectURL) {
		fe.Add("redirect_url", "an absolute http(s) URL")
	}
	if f.RateLimit < 1 || f.RateLimit > 10_000 {
		fe.Add("rate_limit", "from 1 to 10000 submissions per address and hour")
	}
	if f.Honeypot != "" && slices.Contains(slices.Collect(maps.Values(f.Mapping)), f.Honeypot) {
		fe.Add("honeypot", "must not be a mapped field")
	}
	return fe.Err()
}

// Intake picks the mapped fields out of a submission (form field → values)
// and adds the defaults.
func (f *WebForm) Intake(values map[string][]string) (Intake, error) {
	in := Intake{}
	for field, source := range f.Mapping {
		if v := values[source]; len(v) > 0 {
			in[field] = strings.TrimSpace(strings.Join(v, ", "))
		}
	}
	return f.complete(in)
}

// IsSpam reports whether a submission filled the honeypot.
func (f *WebForm) IsSpam(values map[string][]string) bool {
	return f.Honeypot != "" && strings.TrimSpace(strings.Join(values[f.Honeypot], "")) != ""
}

// InboundHook receives another system's webhooks at /in/hooks/{key}: it
// verifies their Standard Webhooks signature with the sender's secret and
// turns each payload into a record of its target.
type InboundHook struct {
	Meta
	IntakeRules
	// Key is the hook's public name in its URL; the server makes it.
	Key  string `gorm:"size:64;not null" json:"key"`
	Name string `gorm:"size:200;not null" json:"name"`
	// MatchOn, when "email", updates the contact (or the unconverted lead)
	// that has the payload's e-mail address instead of creating another one.
	MatchOn string `gorm:"size:32" json:"match_on"`
	// Secret is the sender's signing secret ("whsec_…"); never shown again
	// after it is set.
	Secret string `gorm:"size:200;not null" json:"-"`
}

// Entity implements Record.
func (*InboundHook) Entity() string { return "inbound_hook" }

// OwnerTeam implements Owned.
func (h *InboundHook) OwnerTeam() (string, string) { return deref(h.OwnerID), "" }

// Refs implements Referrer.
func (h *InboundHook) Refs() []Ref { return []Ref{{"owner_id", "user", h.OwnerID}} }

// KeepServerOwned implements ServerOwned: the key and the secret change
// only through their own operations.
func (h *InboundHook) KeepServerOwned(prev Record) {
	p := prev.(*InboundHook)
	h.Key = p.Key
	if h.Secret == "" {
		h.Secret = p.Secret
	}
}

// Normalize implements Record.
func (h *InboundHook) Normalize() {
	h.IntakeRules.normalize()
	h.Name = strings.TrimSpace(h.Name)
	h.MatchOn = strings.ToLower(strings.TrimSpace(h.MatchOn))
}

// Validate implements Record.
func (h *InboundHook) Validate() error {
	fe := FieldErrors{}
	if h.Name == "" {
		fe.Add("name", "required")
	}
	h.IntakeRules.validate(fe, "JSON path")
	if h.MatchOn != "" && h.Target == TargetRequest {
		fe.Add("match_on", "every webhook makes a new request; leave match_on empty")
	} else if h.MatchOn != "" && (h.MatchOn != "email" || h.Mapping["email"] == "") {
		fe.Add("match_on", `"email" (with email mapped), or empty to always create`)
	}
	return fe.Err()
}

// Intake picks the mapped values out of a JSON payload: each mapping value
// is a GJSON path ("data.customer.email"); arrays of scalars are joined with
// commas (tags), objects are refused.
func (h *InboundHook) Intake(payload []byte) (Intake, error) {
	if !gjson.ValidBytes(payload) {
		return nil, Errorf(EINVALID, "the payload is not valid JSON")
	}
	fe := FieldErrors{}
	in := Intake{}
	for field, path := range h.Mapping {
		v := gjson.GetBytes(payload, path)
		switch {
		case !v.Exists() || v.Type == gjson.Null:
		case v.IsObject():
			fe.Add(field, path+" is an object, not a value")
		case v.IsArray():
			var parts []string
			for _, e := range v.Array() {
				if e.IsObject() || e.IsArray() {
					fe.Add(field, path+" holds objects, not values")
					break
				}
				parts = append(parts, e.String())
			}
			in[field] = strings.Join(parts, ", ")
		default:
			in[field] = strings.TrimSpace(v.String())
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return h.complete(in)
}

// Inbound message statuses.
const (
	InboundQueued    = "queued"
	InboundProcessed = "processed"
	InboundFailed    = "failed" // the payload could not become a record; not retried
)

// InboundMessage is one webhook received by an InboundHook, kept for
// idempotency (a webhook-id is processed once) and for the admin's log.
type InboundMessage struct {
	ID          string     `gorm:"primaryKey;size:36" json:"id"`
	HookID      string     `gorm:"size:36;not null" json:"hook_id"`
	WebhookID   string     `gorm:"column:webhook_id;size:200;not null" json:"webhook_id"`
	ReceivedAt  time.Time  `gorm:"not null" json:"received_at"`
	Payload     RawJSON    `gorm:"type:text;not null" json:"payload"`
	Status      string     `gorm:"size:16;not null" json:"status"`
	Error       string     `gorm:"size:1000" json:"error"`
	RecordID    string     `gorm:"size:36" json:"record_id"`
	ProcessedAt *time.Time `json:"processed_at"`
}

// TableName names the table.
func (InboundMessage) TableName() string { return "inbound_messages" }
