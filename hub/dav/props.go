package dav

import (
	"context"
	"encoding/xml"
	"slices"
	"strconv"
	"strings"
	"time"

	"rapport/model"
	"rapport/model/store"
)

// Frequently used property names.
var (
	pResourceType       = xmlName(nsDAV, "resourcetype")
	pDisplayName        = xmlName(nsDAV, "displayname")
	pGetETag            = xmlName(nsDAV, "getetag")
	pGetContentType     = xmlName(nsDAV, "getcontenttype")
	pGetContentLength   = xmlName(nsDAV, "getcontentlength")
	pCurrentUserPrinc   = xmlName(nsDAV, "current-user-principal")
	pPrincipalURL       = xmlName(nsDAV, "principal-URL")
	pPrincipalCollSet   = xmlName(nsDAV, "principal-collection-set")
	pOwner              = xmlName(nsDAV, "owner")
	pPrivileges         = xmlName(nsDAV, "current-user-privilege-set")
	pSupportedReports   = xmlName(nsDAV, "supported-report-set")
	pSyncToken          = xmlName(nsDAV, "sync-token")
	pCTag               = xmlName(nsCS, "getctag")
	pCalendarHome       = xmlName(nsCal, "calendar-home-set")
	pAddressBookHome    = xmlName(nsCard, "addressbook-home-set")
	pCalendarUserAddr   = xmlName(nsCal, "calendar-user-address-set")
	pCalendarUserType   = xmlName(nsCal, "calendar-user-type")
	pEmailAddressSet    = xmlName(nsCS, "email-address-set")
	pSupportedComps     = xmlName(nsCal, "supported-calendar-component-set")
	pSupportedCalData   = xmlName(nsCal, "supported-calendar-data")
	pSupportedAddrData  = xmlName(nsCard, "supported-address-data")
	pCalMaxSize         = xmlName(nsCal, "max-resource-size")
	pCardMaxSize        = xmlName(nsCard, "max-resource-size")
	pCalendarColor      = xmlName(nsApple, "calendar-color")
	pCalendarOrder      = xmlName(nsApple, "calendar-order")
	pCalendarDesc       = xmlName(nsCal, "calendar-description")
	pAddressBookDesc    = xmlName(nsCard, "addressbook-description")
	pCalendarTimezone   = xmlName(nsCal, "calendar-timezone")
	pCalendarData       = xmlName(nsCal, "calendar-data")
	pAddressData        = xmlName(nsCard, "address-data")
	pGetLastModified    = xmlName(nsDAV, "getlastmodified")
	pScheduleTransp     = xmlName(nsCal, "schedule-calendar-transp")
	pCalendarUserAddrCS = xmlName(nsCS, "calendar-proxy-read-for")
)

// propFunc renders one property's inner XML; ok=false means not defined here.
type propFunc func() (inner string, ok bool)

// propMap holds the properties of a non-object resource.
type propMap map[xml.Name]propFunc

func href(s string) string { return "<D:href>" + escape(s) + "</D:href>" }

func constant(s string) propFunc { return func() (string, bool) { return s, true } }

// commonProps are defined on every resource.
func commonProps(u *model.User) propMap {
	return propMap{
		pCurrentUserPrinc: constant(href(principalHref(u))),
		pPrincipalCollSet: constant(href(Root + "principals/")),
	}
}

func privileges(names ...string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString("<D:privilege><D:" + n + "/></D:privilege>")
	}
	return b.String()
}

var (
	readPrivileges  = privileges("read", "read-current-user-privilege-set")
	writePrivileges = privileges("read", "read-current-user-privilege-set", "write", "write-properties", "write-content", "bind", "unbind")
)

// privilegesFor returns what the actor may do in a collection: DAV devices
// write unless their actor lacks the write scope.
func privilegesFor(ctx context.Context) string {
	if model.ActorFrom(ctx).HasScope(model.ScopeWrite) {
		return writePrivileges
	}
	return readPrivileges
}

// props returns the properties of a root, principal, home or collection.
func (h *Handler) props(ctx context.Context, res *resource, c *collection) propMap {
	m := commonProps(res.user)
	switch {
	case c != nil:
		h.collectionProps(ctx, m, c)
	case res.kind == resPrincipal:
		principalProps(m, res.user)
	case res.kind == resHome:
		m[pResourceType] = constant("<D:collection/>")
		m[pOwner] = constant(href(principalHref(res.user)))
		m[pPrivileges] = constant(privilegesFor(ctx))
		m[pDisplayName] = constant(escape(res.user.Name))
	default:
		m[pResourceType] = constant("<D:collection/>")
		m[pDisplayName] = constant("Rapport")
	}
	return m
}

func principalProps(m propMap, u *model.User) {
	m[pResourceType] = constant("<D:collection/><D:principal/>")
	m[pDisplayName] = constant(escape(u.Name))
	m[pPrincipalURL] = constant(href(principalHref(u)))
	m[pOwner] = constant(href(principalHref(u)))
	m[pCalendarHome] = constant(href(homeHref(u, model.CollectionCalendar)))
	m[pAddressBookHome] = constant(href(homeHref(u, model.CollectionAddressBook)))
	m[pCalendarUserAddr] = constant(href("mailto:"+u.Email) + href(principalHref(u)))
	m[pCalendarUserType] = constant("INDIVIDUAL")
	m[pEmailAddressSet] = constant("<CS:email-address>" + escape(u.Email) + "</CS:email-address>")
	m[pPrivileges] = constant(readPrivileges)
	m[pSupportedReports] = constant("")
}

func (h *Handler) collectionProps(ctx context.Context, m propMap, c *collection) {
	sync := func() (string, bool) {
		seq, err := h.store.DAVSyncSeq(ctx, c.scope, c.rowID())
		if err != nil {
			h.log.Error("dav: sync token", "err", err)
			return "", false
		}
		return escape(syncToken(seq)), true
	}
	m[pSyncToken], m[pCTag] = sync, sync
	m[pDisplayName] = constant(escape(c.displayName()))
	m[pOwner] = constant(href(principalHref(c.owner)))
	m[pPrivileges] = constant(privilegesFor(ctx))
	max := constant(strconv.FormatInt(h.cfg.MaxResourceSize, 10))
	reports := []string{"sync-collection"}
	if c.kind == model.CollectionCalendar {
		m[pResourceType] = constant("<D:collection/><C:calendar/>")
		var comps strings.Builder
		for _, comp := range c.components() {
			comps.WriteString(`<C:comp name="` + comp + `"/>`)
		}
		m[pSupportedComps] = constant(comps.String())
		m[pSupportedCalData] = constant(`<C:calendar-data content-type="text/calendar" version="2.0"/>`)
		m[pCalMaxSize] = max
		m[pScheduleTransp] = constant("<C:opaque/>")
		reports = append(reports, "C:calendar-query", "C:calendar-multiget")
		settingProp(m, pCalendarColor, c, func(r *model.DAVCollection) string { return r.Color })
		settingProp(m, pCalendarDesc, c, func(r *model.DAVCollection) string { return r.Description })
		settingProp(m, pCalendarTimezone, c, func(r *model.DAVCollection) string { return r.TimeZone })
		m[pCalendarOrder] = func() (string, bool) {
			if c.row == nil {
				return strconv.Itoa(builtinOrder(c)), true
			}
			return strconv.Itoa(c.row.Order), true
		}
	} else {
		m[pResourceType] = constant("<D:collection/><CR:addressbook/>")
		m[pSupportedAddrData] = constant(`<CR:address-data-type content-type="text/vcard" version="3.0"/>` +
			`<CR:address-data-type content-type="text/vcard" version="4.0"/>`)
		m[pCardMaxSize] = max
		reports = append(reports, "CR:addressbook-query", "CR:addressbook-multiget")
		settingProp(m, pAddressBookDesc, c, func(r *model.DAVCollection) string { return r.Description })
	}
	var rs strings.Builder
	for _, r := range reports {
		if !strings.Contains(r, ":") {
			r = "D:" + r
		}
		rs.WriteString("<D:supported-report><D:report><" + r + "/></D:report></D:supported-report>")
	}
	m[pSupportedReports] = constant(rs.String())
	if c.row != nil {
		for k, v := range c.row.Props {
			name := parseClark(k)
			m[name] = constant(v)
		}
	}
}

func builtinOrder(c *collection) int {
	for i, b := range builtins {
		if b.kind == c.kind && b.slug == c.slug {
			return i
		}
	}
	return 0
}

// settingProp defines a property stored in the collection's settings when set.
func settingProp(m propMap, name xml.Name, c *collection, get func(*model.DAVCollection) string) {
	m[name] = func() (string, bool) {
		if c.row == nil || get(c.row) == "" {
			return "", false
		}
		return escape(get(c.row)), true
	}
}

// clark writes a name as "{namespace}local", the key of stored dead properties.
func clark(n xml.Name) string { return "{" + n.Space + "}" + n.Local }

func parseClark(s string) xml.Name {
	if rest, ok := strings.CutPrefix(s, "{"); ok {
		if space, local, ok := strings.Cut(rest, "}"); ok {
			return xmlName(space, local)
		}
	}
	return xmlName("", s)
}

// syncTokenPrefix makes sync tokens URIs, as RFC 6578 asks.
const syncTokenPrefix = "http://rapport.invalid/ns/sync/"

func syncToken(seq int64) string { return syncTokenPrefix + itoa(seq) }

// parseSyncToken returns the feed seq in a token; "" is the initial sync.
func parseSyncToken(tok string) (int64, bool) {
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(tok, syncTokenPrefix), 10, 64)
	return n, err == nil && strings.HasPrefix(tok, syncTokenPrefix) && n >= 0
}

// propRequest is what a PROPFIND or REPORT asks for.
type propRequest struct {
	all   bool       // allprop (or no body)
	names bool       // propname
	props []xml.Name // explicit list
	data  dataOptions
}

// dataOptions shape calendar-data and address-data in answers.
type dataOptions struct {
	vcardVersion string    // "3.0" or "4.0"
	expand       bool      // C:expand
	limit        bool      // C:limit-recurrence-set
	start, end   time.Time // their range
}

// parsePropRequest reads <D:prop>, <D:allprop/> or <D:propname/> under parent.
func parsePropRequest(parent *node) (propRequest, error) {
	if parent == nil || parent.child(nsDAV, "allprop") != nil {
		return propRequest{all: true}, nil
	}
	if parent.child(nsDAV, "propname") != nil {
		return propRequest{names: true}, nil
	}
	prop := parent.child(nsDAV, "prop")
	if prop == nil {
		return propRequest{all: true}, nil
	}
	req := propRequest{data: dataOptions{vcardVersion: "3.0"}}
	for _, c := range prop.Children {
		req.props = append(req.props, c.Name)
		if err := req.data.parse(c); err != nil {
			return req, err
		}
	}
	return req, nil
}

// parse reads the options of a calendar-data or address-data element.
func (d *dataOptions) parse(n *node) error {
	switch n.Name {
	case pAddressData:
		if v := n.attr("version"); v == "4.0" || v == "3.0" {
			d.vcardVersion = v
		}
	case pCalendarData:
		for _, key := range []string{"expand", "limit-recurrence-set"} {
			e := n.child(nsCal, key)
			if e == nil {
				continue
			}
			start, end, err := timeRange(e)
			if err != nil {
				return err
			}
			d.start, d.end = start, end
			d.expand = d.expand || key == "expand"
			d.limit = d.limit || key == "limit-recurrence-set"
		}
	}
	return nil
}

// timeRange parses start/end attributes (UTC "20060102T150405Z"); either may be absent.
func timeRange(n *node) (time.Time, time.Time, error) {
	var out [2]time.Time
	for i, key := range []string{"start", "end"} {
		v := n.attr(key)
		if v == "" {
			continue
		}
		t, err := time.Parse("20060102T150405Z", v)
		if err != nil {
			return out[0], out[1], precondition(403, nsCal, "valid-filter", "time-range "+key+" must be a UTC date-time like 20260101T000000Z")
		}
		out[i] = t
	}
	if !out[1].IsZero() && !out[1].After(out[0]) {
		return out[0], out[1], precondition(403, nsCal, "valid-filter", "time-range end must be after start")
	}
	return out[0], out[1], nil
}

// answer writes one non-object resource's response for req.
func answer(ms *multistatus, hrefPath string, m propMap, req propRequest) {
	if req.names {
		var found []string
		for name := range m {
			found = append(found, elem(name, ""))
		}
		slices.Sort(found)
		ms.propResponse(hrefPath, found, nil)
		return
	}
	names := req.props
	if req.all {
		for name := range m {
			names = append(names, name)
		}
		slices.SortFunc(names, func(a, b xml.Name) int { return strings.Compare(clark(a), clark(b)) })
	}
	var found []string
	var missing []xml.Name
	for _, name := range names {
		if f, ok := m[name]; ok {
			if inner, ok := f(); ok {
				found = append(found, elem(name, inner))
				continue
			}
		}
		if !req.all {
			missing = append(missing, name)
		}
	}
	ms.propResponse(hrefPath, found, missing)
}

// entryETag returns the strong ETag of a member for its backend.
func entryETag(be backend, e store.DAVEntry) string { return be.etag(e) }
