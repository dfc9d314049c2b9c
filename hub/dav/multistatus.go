package dav

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
)

// multistatus streams a 207 answer: thousands of responses go out without
// building a tree.
type multistatus struct {
	w *bufio.Writer
}

func startMultistatus(w http.ResponseWriter) *multistatus {
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n<D:multistatus" + rootNamespaces + ">")
	return &multistatus{w: bw}
}

// propResponse writes one response: found properties (rendered elements)
// with 200 and missing ones with 404.
func (m *multistatus) propResponse(href string, found []string, missing []xml.Name) {
	m.w.WriteString("<D:response><D:href>")
	m.w.WriteString(escape(href))
	m.w.WriteString("</D:href>")
	if len(found) > 0 || len(missing) == 0 {
		m.w.WriteString("<D:propstat><D:prop>")
		for _, f := range found {
			m.w.WriteString(f)
		}
		m.w.WriteString("</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>")
	}
	if len(missing) > 0 {
		m.propstat(missing, http.StatusNotFound)
	}
	m.w.WriteString("</D:response>")
}

// propstat writes the names of properties with one status.
func (m *multistatus) propstat(names []xml.Name, status int) {
	m.w.WriteString("<D:propstat><D:prop>")
	for _, n := range names {
		m.w.WriteString(elem(n, ""))
	}
	fmt.Fprintf(m.w, "</D:prop><D:status>HTTP/1.1 %d %s</D:status></D:propstat>", status, http.StatusText(status))
}

// statusResponse writes a response that is only a status (404 for a
// removed member in sync-collection, or a missing multiget href).
func (m *multistatus) statusResponse(href string, status int) {
	fmt.Fprintf(m.w, "<D:response><D:href>%s</D:href><D:status>HTTP/1.1 %d %s</D:status></D:response>",
		escape(href), status, http.StatusText(status))
}

// raw writes pre-rendered XML.
func (m *multistatus) raw(s string) { m.w.WriteString(s) }

func (m *multistatus) close() error {
	m.w.WriteString("</D:multistatus>\n")
	return m.w.Flush()
}

// hrefJoin builds an href from escaped path segments.
func hrefJoin(base string, segment string) string {
	return base + url.PathEscape(segment)
}

// cdata escapes object data for inclusion in calendar-data/address-data.
func cdata(b []byte) string { return escape(string(b)) }
