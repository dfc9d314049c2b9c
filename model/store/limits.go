package store

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"rapport/model"
)

// checkLimits refuses text longer than its column (gorm size:N, counted in
// characters as VARCHAR does), invalid UTF-8 and integers beyond 32 bits in
// int columns, so SQLite and PostgreSQL accept and refuse the same records.
func checkLimits(rec any) error {
	fe := model.FieldErrors{}
	walkLimits(reflect.ValueOf(rec).Elem(), fe)
	return fe.Err()
}

func walkLimits(v reflect.Value, fe model.FieldErrors) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		if f.Anonymous && fv.Kind() == reflect.Struct {
			walkLimits(fv, fe)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || name == "" {
			continue
		}
		switch fv.Kind() {
		case reflect.String:
			checkText(fe, name, fv.String(), sizeOf(f.Tag.Get("gorm")))
		case reflect.Int:
			if n := fv.Int(); n > math.MaxInt32 || n < math.MinInt32 {
				fe.Add(name, "out of range")
			}
		}
	}
}

func checkText(fe model.FieldErrors, name, s string, size int) {
	switch {
	case !utf8.ValidString(s):
		fe.Add(name, "not valid UTF-8 text")
	case size > 0 && utf8.RuneCountInString(s) > size:
		fe.Add(name, fmt.Sprintf("at most %d characters", size))
	}
}

// sizeOf reads N from a gorm tag "…;size:N;…" (0 when absent).
func sizeOf(tag string) int {
	for _, part := range strings.Split(tag, ";") {
		if v, ok := strings.CutPrefix(part, "size:"); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}
