// Package contactfile converts contacts between model.Contact and the files
// people exchange them in: vCard 2.1, 3.0 and 4.0 (as Thunderbird, Apple,
// Google, Outlook and Android export them), CSV as Excel writes it (UTF-8
// with or without a BOM, or windows-1251; comma, semicolon or tab) and XLSX.
//
// It is a pure codec: no database, no network, no globals. Readers take a
// byte limit, never panic on any input and report each broken record as a
// Row with Err while keeping the good ones; the caller (CLI, API) decides
// what to store and resolves company names to accounts.
//
// vCards use go-vcard's Card, Field and Params as the model, but content
// lines are read and written here: go-vcard's decoder drops the value of
// vCard 2.1 lines with bare parameters ("TEL;CELL:…") and knows neither
// quoted-printable nor CHARSET, and its encoder escapes the commas that
// separate CATEGORIES and cannot escape ";" inside N or ADR components.
// Inside this package a Field's Value therefore holds the value as written
// on the wire (escapes intact); how to unescape it depends on the property.
//
// It imports model only; it must not import hub or other connectors.
package contactfile
