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
// vCards are split into cards here and mapped by model/vcardmap, which
// also writes them; a file import drops what vcardmap keeps for CardDAV
// (the UID and the unmapped lines in DAV.Extra).
//
// It imports model and model/vcardmap only; it must not import hub or
// other connectors.
package contactfile
