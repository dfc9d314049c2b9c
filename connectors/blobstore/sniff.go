package blobstore

import (
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
)

// sniffLen is how much content http.DetectContentType looks at.
const sniffLen = 512

// byExtension refines the generic types content sniffing gives for container
// and text formats. from lists the sniffed types an entry may refine, so that
// a file name cannot relabel, say, a zip as a calendar.
var byExtension = map[string]struct {
	to   string
	from []string
}{
	".docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", zipTypes},
	".xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", zipTypes},
	".pptx": {"application/vnd.openxmlformats-officedocument.presentationml.presentation", zipTypes},
	".odt":  {"application/vnd.oasis.opendocument.text", zipTypes},
	".ods":  {"application/vnd.oasis.opendocument.spreadsheet", zipTypes},
	".vcf":  {"text/vcard", textTypes},
	".ics":  {"text/calendar", textTypes},
	".csv":  {"text/csv", textTypes},
	".pdf":  {"application/pdf", []string{"application/octet-stream"}},
}

var (
	zipTypes  = []string{"application/zip", "application/octet-stream"}
	textTypes = []string{"text/plain", "application/octet-stream"}
)

// sniff returns the content type of a blob starting with head and named
// filename. A refined text type keeps the charset sniffing found.
func sniff(head []byte, filename string) string {
	detected := http.DetectContentType(head)
	base, params, err := mime.ParseMediaType(detected)
	if err != nil {
		return detected
	}
	r, ok := byExtension[strings.ToLower(path.Ext(filename))]
	if !ok || !slices.Contains(r.from, base) {
		return detected
	}
	if !strings.HasPrefix(r.to, "text/") || params["charset"] == "" {
		return r.to
	}
	return mime.FormatMediaType(r.to, map[string]string{"charset": params["charset"]})
}
