package store

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"rapport/model/migrate"
)

// canonicalTime is how a time appears in an archive: UTC, microseconds,
// whatever the engine keeps.
const canonicalTime = "2006-01-02T15:04:05.000000Z"

// riverSQLiteTime is the only text form River's SQLite driver compares
// correctly (see riversqlite's timeString).
const riverSQLiteTime = "2006-01-02 15:04:05.000"

// dbTimeLayouts are the text forms a SQLite time column may hold: the
// driver's, RFC 3339 and River's.
var dbTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"}

// encodeRow appends one row's canonical line to b: a JSON array of the
// values in column order, then "\n".
func encodeRow(b []byte, cols []dumpColumn, vals []any) ([]byte, error) {
	b = append(b, '[')
	for i := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendValue(b, &cols[i], vals[i]); err != nil {
			return nil, fmt.Errorf("column %s: %w", cols[i].Name, err)
		}
	}
	return append(b, ']', '\n'), nil
}

// appendValue appends the canonical encoding of v, as the driver scanned it
// from column c.
func appendValue(b []byte, c *dumpColumn, v any) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	switch c.Kind {
	case KindText:
		s, err := asText(v)
		return appendString(b, s), err
	case KindInt:
		n, err := asInt(v)
		return strconv.AppendInt(b, n, 10), err
	case KindBool:
		t, err := asBool(v)
		return strconv.AppendBool(b, t), err
	case KindTime:
		t, err := asTime(v)
		if err != nil {
			return nil, err
		}
		return appendString(b, c.normalTime(t).Format(canonicalTime)), nil
	case KindBytes:
		raw, err := asBytes(v)
		if err != nil {
			return nil, err
		}
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, raw)
		return append(b, '"'), nil
	case KindJSON:
		s, err := asText(v)
		if err != nil {
			return nil, err
		}
		canon, err := canonicalJSON([]byte(s))
		return appendString(b, string(canon)), err
	}
	return nil, fmt.Errorf("unknown kind %q", c.Kind)
}

// normalTime is t as both engines keep it: microseconds (PostgreSQL's
// precision), or milliseconds for River's SQLite times.
func (c *dumpColumn) normalTime(t time.Time) time.Time {
	if c.milli {
		return t.UTC().Round(time.Millisecond)
	}
	return t.UTC().Truncate(time.Microsecond)
}

func asText(v any) (string, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case []byte:
		s = string(x)
	default:
		return "", fmt.Errorf("want text, have %T", v)
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("text is not valid UTF-8")
	}
	return s, nil
}

func asInt(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), nil
		}
	}
	return 0, fmt.Errorf("want an integer, have %T %v", v, v)
}

func asBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
	}
	return false, fmt.Errorf("want a boolean, have %T %v", v, v)
}

func asTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		for _, layout := range dbTimeLayouts {
			if t, err := time.ParseInLocation(layout, x, time.UTC); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("want a time, have %T %v", v, v)
}

func asBytes(v any) ([]byte, error) {
	switch x := v.(type) {
	case []byte:
		return x, nil
	case string:
		return []byte(x), nil
	}
	return nil, fmt.Errorf("want bytes, have %T", v)
}

// appendString appends s as a JSON string with the fewest escapes: quote,
// backslash and control characters only (no HTML or U+2028 escaping), so
// the encoding is one fixed function of the text.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, fmt.Sprintf(`\u%04x`, c)...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// canonicalJSON re-encodes a JSON document with sorted object keys, no
// insignificant space and numbers as written, so PostgreSQL's jsonb and
// SQLite's json() agree.
func canonicalJSON(doc []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if d.More() {
		return nil, fmt.Errorf("not JSON: trailing data")
	}
	return appendJSON(nil, v)
}

func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case json.Number:
		return append(b, x...), nil
	case string:
		return appendString(b, x), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendJSON(b, x[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	return nil, fmt.Errorf("unexpected JSON value %T", v)
}

// decodeRow turns one canonical line back into parameters for engine's
// INSERT or COPY, checking every value against its column's kind.
func decodeRow(line []byte, cols []dumpColumn, engine string) ([]any, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(line, &raw); err != nil {
		return nil, fmt.Errorf("not a row: %w", err)
	}
	if len(raw) != len(cols) {
		return nil, fmt.Errorf("%d values for %d columns", len(raw), len(cols))
	}
	vals := make([]any, len(cols))
	for i := range cols {
		v, err := decodeValue(raw[i], &cols[i], engine)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", cols[i].Name, err)
		}
		vals[i] = v
	}
	return vals, nil
}

func decodeValue(raw json.RawMessage, c *dumpColumn, engine string) (any, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	switch c.Kind {
	case KindInt:
		return strconv.ParseInt(string(raw), 10, 64)
	case KindBool:
		return strconv.ParseBool(string(raw))
	}
	s, err := decodeString(raw)
	if err != nil {
		return nil, err
	}
	switch c.Kind {
	case KindText, KindJSON:
		return s, nil
	case KindBytes:
		return base64.StdEncoding.DecodeString(s)
	case KindTime:
		t, err := time.Parse(canonicalTime, s)
		if err != nil {
			return nil, err
		}
		if c.milli && engine == migrate.SQLite {
			return t.Format(riverSQLiteTime), nil
		}
		return t, nil
	}
	return nil, fmt.Errorf("unknown kind %q", c.Kind)
}

// decodeString reads a JSON string, without the decoder for the common
// case of nothing escaped.
func decodeString(raw json.RawMessage) (string, error) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		if s := string(raw[1 : len(raw)-1]); utf8.ValidString(s) && !bytes.ContainsRune(raw[1:len(raw)-1], '"') {
			return s, nil
		}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("want a string: %w", err)
	}
	return s, nil
}
