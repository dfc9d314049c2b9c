package problem

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"

	"rapport/model"
)

func TestWriteMapsCodesAndHidesInternals(t *testing.T) {
	cases := []struct {
		err    error
		status int
	}{
		{model.Errorf(model.ENOTFOUND, "x"), 404}, {model.Errorf(model.EINVALID, "x"), 422}, {model.Errorf(model.EMALFORMED, "x"), 400},
		{model.Errorf(model.ECONFLICT, "x"), 409}, {model.Errorf(model.EPRECONDITION, "x"), 412}, {model.Errorf(model.EFORBIDDEN, "x"), 403},
		{model.Errorf(model.EUNAUTHORIZED, "x"), 401}, {model.Errorf(model.ETOOLARGE, "x"), 413}, {model.Errorf(model.ERATELIMIT, "x"), 429},
		{model.Errorf(model.EGONE, "x"), 410},
		{errors.New("pq: password authentication failed for user root"), 500},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		Write(rec, httptest.NewRequest("GET", "/x", nil), c.err)
		var p Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != c.status || p.Status != c.status {
			t.Fatalf("%v: %d %s", c.err, rec.Code, rec.Body.String())
		}
		if c.status == 500 && p.Detail != "internal error" {
			t.Fatalf("internal detail leaked: %q", p.Detail)
		}
	}
	rec := httptest.NewRecorder()
	Write(rec, httptest.NewRequest("GET", "/x", nil), &model.Error{Code: model.EINVALID, Message: "validation failed", Fields: map[string]string{"b": "bad", "a": "worse"}})
	var p Problem
	_ = json.Unmarshal(rec.Body.Bytes(), &p)
	if len(p.Errors) != 2 || p.Errors[0].Field != "a" || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("%+v", p)
	}
}
