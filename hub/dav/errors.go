package dav

import (
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"rapport/model"
)

// davError is a WebDAV error: a status, an optional precondition element
// (RFC 4918 section 16) and a message for people.
type davError struct {
	status   int
	cond     string
	msg      string
	location string // for redirects
}

func (e *davError) Error() string { return e.msg }

func xmlName(space, local string) xml.Name { return xml.Name{Space: space, Local: local} }

func pathEscape(s string) string { return url.PathEscape(s) }

// statusOf maps model error codes to HTTP statuses, once for the DAV surface.
var statusOf = map[string]int{
	model.ENOTFOUND:     http.StatusNotFound,
	model.EINVALID:      http.StatusBadRequest,
	model.EMALFORMED:    http.StatusBadRequest,
	model.ECONFLICT:     http.StatusConflict,
	model.EPRECONDITION: http.StatusPreconditionFailed,
	model.EFORBIDDEN:    http.StatusForbidden,
	model.EUNAUTHORIZED: http.StatusUnauthorized,
	model.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	model.ERATELIMIT:    http.StatusTooManyRequests,
}

// fail writes err as a DAV error body; internals go to the log only.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var de *davError
	if !errors.As(err, &de) {
		var me *model.Error
		status, ok := statusOf[model.ErrorCode(err)]
		if !ok || !errors.As(err, &me) {
			h.log.Error("dav: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			de = &davError{status: http.StatusInternalServerError, msg: "internal error"}
		} else {
			de = &davError{status: status, msg: me.Message}
			for f, m := range me.Fields {
				de.msg += "; " + f + ": " + m
			}
		}
	}
	if de.location != "" {
		w.Header().Set("Location", de.location)
	}
	if de.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="Rapport", charset="UTF-8"`)
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(de.status)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="utf-8"?>` + "\n<D:error" + rootNamespaces + ">" + de.cond +
		`<R:message xmlns:R="urn:rapport">` + escape(de.msg) + "</R:message></D:error>\n"))
}

// precondition returns a 403 (or status) with a named precondition element.
func precondition(status int, space, local, msg string) *davError {
	return &davError{status: status, cond: elem(xmlName(space, local), ""), msg: msg}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func errCode(err error) string { return model.ErrorCode(err) }
