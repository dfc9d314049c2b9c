package contactfile

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"

	"rapport/model"
	"rapport/model/vcardmap"
)

// ReadVCards parses a .vcf stream with many cards (vCard 2.1, 3.0, 4.0, as
// Thunderbird, Apple, Google, Outlook and Android export them). A broken card
// yields a Row with Err, numbered by its position, and parsing continues
// with the next card. It fails as a whole only for an unreadable stream,
// input over maxBytes, or text with no card in it at all.
func ReadVCards(r io.Reader, maxBytes int64) ([]Row, error) {
	data, err := readAll(r, maxBytes)
	if err != nil {
		return nil, err
	}
	var rows []Row
	stray := false
	for rc := range splitCards(strings.TrimPrefix(string(data), "\ufeff"), &stray) {
		rows = append(rows, parseCard(rc))
	}
	if len(rows) == 0 && stray {
		return nil, model.Errorf(model.EMALFORMED, "not a vCard file: no BEGIN:VCARD line")
	}
	return rows, nil
}

// rawCard is the text from one BEGIN:VCARD to its END:VCARD.
type rawCard struct {
	n    int // 1-based card number
	line int // file line of BEGIN:VCARD
	text string
	err  error // set when the card is cut short
}

var errNoEnd = errors.New("no END:VCARD before the next card or the end of the file")

// splitCards cuts a .vcf text into cards at its BEGIN:VCARD and END:VCARD
// lines (folding never starts a line with them, and vcardmap does not join
// a quoted-printable soft break with them either). A card without END:VCARD
// ends at the next BEGIN:VCARD or the end of the file and is reported
// broken, so one damaged card never swallows the next. Non-blank text
// outside any card sets *stray.
func splitCards(text string, stray *bool) iter.Seq[rawCard] {
	return func(yield func(rawCard) bool) {
		var cur *rawCard
		start, n := 0, 0
		for off, line := 0, 1; off < len(text); line++ {
			phys, _, _ := strings.Cut(text[off:], "\n")
			next := off + len(phys) + 1
			switch boundary := strings.ToUpper(strings.TrimSpace(phys)); {
			case phys != "" && (phys[0] == ' ' || phys[0] == '\t'), boundary != "BEGIN:VCARD" && boundary != "END:VCARD":
				*stray = *stray || cur == nil && boundary != ""
			case boundary == "BEGIN:VCARD":
				if cur != nil && !yield(rawCard{n: cur.n, line: cur.line, err: errNoEnd}) {
					return
				}
				n++
				cur, start = &rawCard{n: n, line: line}, off
			case cur != nil: // END:VCARD
				cur.text = text[start:min(next, len(text))]
				if !yield(*cur) {
					return
				}
				cur = nil
			}
			off = next
		}
		if cur != nil {
			yield(rawCard{n: cur.n, line: cur.line, err: errNoEnd})
		}
	}
}

func parseCard(rc rawCard) Row {
	pos := fmt.Sprintf("card %d", rc.n)
	if rc.err != nil {
		return rowError(rc.n, model.EMALFORMED, "%s (line %d): %v", pos, rc.line, rc.err)
	}
	card, err := vcardmap.Decode([]byte(rc.text), len(rc.text))
	if err != nil {
		var me *model.Error
		if errors.As(err, &me) && len(me.Fields) > 0 {
			return Row{Line: rc.n, Err: &model.Error{Code: me.Code, Message: pos + ": " + me.Message, Fields: me.Fields}}
		}
		return rowError(rc.n, model.ErrorCode(err), "%s, %s", pos, fileLine(model.ErrorMessage(err), rc.line))
	}
	// A file is no DAV resource: its UID and unmapped lines are not kept,
	// so a value that is no phone number fails the row rather than vanish.
	c := card.Contact
	c.DAV = model.DAVLink{}
	fe := model.FieldErrors{}
	for i, v := range card.OddPhones {
		fe.Add("phones["+strconv.Itoa(len(c.Phones)+i)+"].value", "not a valid phone number: "+v)
	}
	return finish(pos, rc.n, &c, card.Company, fe)
}

// fileLine turns vcardmap's "line N: …", counted from the card's
// BEGIN:VCARD, into the line of the file.
func fileLine(msg string, begin int) string {
	rest, ok := strings.CutPrefix(msg, "line ")
	num, rest, ok2 := strings.Cut(rest, ":")
	n, err := strconv.Atoi(num)
	if !ok || !ok2 || err != nil {
		return msg
	}
	return "line " + strconv.Itoa(begin+n-1) + ":" + rest
}
