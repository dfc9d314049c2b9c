// Package problem writes errors as RFC 9457 problem+json and maps model error
// codes to HTTP statuses, once for every HTTP surface. It imports model only.
package problem

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sort"

	"rapport/model"
)

// Status maps a model error code to its HTTP status.
func Status(code string) int {
	switch code {
	case model.ENOTFOUND:
		return http.StatusNotFound
	case model.EINVALID:
		return http.StatusUnprocessableEntity
	case model.EMALFORMED:
		return http.StatusBadRequest
	case model.ECONFLICT:
		return http.StatusConflict
	case model.EPRECONDITION:
		return http.StatusPreconditionFailed
	case model.EFORBIDDEN:
		return http.StatusForbidden
	case model.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case model.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case model.ERATELIMIT:
		return http.StatusTooManyRequests
	case model.EGONE:
		return http.StatusGone
	}
	return http.StatusInternalServerError
}

// FieldError is one entry of the "errors" extension member.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Code     string       `json:"code"`
	Errors   []FieldError `json:"errors,omitempty"`
}

// From builds the problem for err. Internal errors get a generic detail; the
// cause is logged by Write.
func From(err error) Problem {
	code := model.ErrorCode(err)
	status := Status(code)
	p := Problem{Type: "/docs/problems#" + code, Title: http.StatusText(status), Status: status, Code: code,
		Detail: model.ErrorMessage(err)}
	var me *model.Error
	if errors.As(err, &me) {
		keys := make([]string, 0, len(me.Fields))
		for k := range me.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p.Errors = append(p.Errors, FieldError{Field: k, Message: me.Fields[k]})
		}
	}
	return p
}

// Write sends err as problem+json; internal errors are logged with the request.
func Write(w http.ResponseWriter, r *http.Request, err error) {
	p := From(err)
	p.Instance = r.URL.Path
	if p.Status >= 500 {
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if p.Status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "60")
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// Errorf writes a problem with a code and message.
func Errorf(w http.ResponseWriter, r *http.Request, code, format string, args ...any) {
	Write(w, r, model.Errorf(code, format, args...))
}
