package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"rapport/model"
)

func asMaxBytes(err error, target **http.MaxBytesError) bool { return errors.As(err, target) }

// decodeBytes decodes one JSON value strictly into v.
func decodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return model.Errorf(model.EMALFORMED, "the body is empty; send a JSON object")
	}
	if !json.Valid(body) {
		return model.Errorf(model.EMALFORMED, "the body is not valid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return model.Errorf(model.EMALFORMED, "send one JSON value")
	}
	return nil
}

// jsonError turns encoding/json errors into per-field EINVALID errors.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return model.Errorf(model.EMALFORMED, "the body is not valid JSON")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return model.Errorf(model.EINVALID, "the body must be a JSON object")
		}
		return fieldError(field, "must be "+jsonKind(te.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fieldError(name, "unknown field")
	}
	// Errors from UnmarshalJSON methods (dates, money) carry their own text.
	return model.Errorf(model.EINVALID, "%s", strings.TrimPrefix(err.Error(), "json: "))
}

func fieldError(field, msg string) error {
	return &model.Error{Code: model.EINVALID, Message: "validation failed", Fields: map[string]string{field: msg}}
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "map", "struct", "ptr":
		return "an object or null"
	}
	if strings.HasPrefix(k, "int") || strings.HasPrefix(k, "float") || strings.HasPrefix(k, "uint") {
		return "a number"
	}
	return "of another type"
}
