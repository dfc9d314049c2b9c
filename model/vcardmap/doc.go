// Package vcardmap maps contacts to and from vCard 3.0 and 4.0 (reading
// 2.1 too): the codec behind CardDAV and the .vcf import and export.
//
// It is pure: no I/O, no globals. It imports model, go-vcard (for names
// and Params) and golang.org/x/text only; it must not import store, hub or
// connectors. Content lines are lexed here rather than by go-vcard, whose
// decoder drops the value of vCard 2.1 lines with bare parameters
// ("TEL;CELL:…"), knows neither quoted-printable nor CHARSET, and whose
// encoder escapes the commas that separate CATEGORIES.
//
// # Mapping
//
// N ↔ LastName;FirstName;MiddleName, FN ↔ DisplayName, ORG (first
// component) ↔ Card.Company, TITLE, LANG ↔ Language, EMAIL/TEL/ADR/URL ↔
// Emails/Phones/Addresses/URLs (TYPE ↔ label, preferred first), BDAY ↔
// Birthday, NOTE ↔ Notes (several joined), CATEGORIES ↔ Tags, PHOTO ↔
// Card.Photo, UID ↔ DAV.UID. VERSION, PRODID and REV are regenerated.
//
// # Extra
//
// Contact.DAV.Extra keeps what the contact cannot hold, so that a client
// gets back what it wrote. It is vCard text: one unfolded content line per
// "\n"-separated line, in 3.0/4.0 syntax (2.1 lines, quoted-printable and
// other charsets are converted to UTF-8 on reading; lines that need no
// conversion are kept byte for byte), for example
//
//	X-ABUID:5C1F…:ABPerson
//	item1.EMAIL;type=INTERNET;type=WORK:john@acme.example.com
//	item1.X-ABLabel:_$!<Other>!$_
//	ORG:Acme\, Inc.;Sales
//
// A line of a property Rapport does not map is written back as it is.
// A line of a mapped property is a shadow: Decode keeps it when writing the
// mapped value back would lose something (a group, a parameter such as
// LABEL, GEO, ALTID or PREF=2, a department in ORG, a PO box in ADR, a
// prefix in N, a second TITLE). Encode writes the shadow instead of
// generating the property while the contact's value is still the one the
// shadow gives (compared as Normalize leaves values), and generates the
// property from the contact otherwise. Shadows of a list (EMAIL, TEL, ADR,
// URL) stand each for one item; those of another property stand together
// for its one value. When all shadows of a group were replaced, the
// group's other lines (its X-ABLabel) are dropped too. Values Rapport
// cannot hold at all stay in Extra as ordinary lines: a URL that is not
// http(s), a year-less or text BDAY (written back only while the contact
// has no birthday of its own), a PHOTO by URL and any PHOTO after the
// first embedded one. Shadows come first, in the order Encode writes
// their properties, so that Decode(Encode(Decode(x))) gives Decode(x)'s
// Extra again.
//
// Extra is not bounded here; model.Contact.Validate refuses one larger
// than model.MaxDAVExtra.
package vcardmap
