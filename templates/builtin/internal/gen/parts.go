package gen

import "strings"

// language is a language of the built-in documents. Texts are written side
// by side with t, so both versions of a sentence are read together.
type language struct {
	tag, language, country string // "en-GB", "en", "GB"
	code                   string // the key suffix: "en"
}

var (
	english = language{tag: "en-GB", language: "en", country: "GB", code: "en"}
	russian = language{tag: "ru-RU", language: "ru", country: "RU", code: "ru"}
)

// languages are the languages of the built-ins.
var languages = []language{english, russian}

// t picks the English or the Russian text.
func (l language) t(en, ru string) string {
	if l.code == "ru" {
		return ru
	}
	return en
}

// address writes the address at path (such as "contact.addresses.0") on
// lines joined by sep, in the order the language's post uses: British
// (street; city, region postcode; country) or Russian (street; city,
// region; postcode; country).
func (l language) address(path, sep string) string {
	// Separators only between parts that are there, so an installation
	// without an address prints no stray commas.
	f := l.t("{$.street}{#if $.street and $.city}"+sep+"{/if}{$.city}{#if $.region}, {$.region}{/if}{#if $.postal_code} {$.postal_code}{/if}",
		"{$.street}{#if $.street and $.city}"+sep+"{/if}{$.city}{#if $.region}, {$.region}{/if}{#if $.postal_code and ($.street or $.city)}"+sep+"{/if}{$.postal_code}")
	return strings.ReplaceAll(f+"{#if $.country and ($.street or $.city or $.postal_code)}"+sep+"{/if}{$.country}", "$", path)
}

// letterhead is the header of every document: the logo on the left, the
// company's name, address and contacts on the right, and a rule.
func letterhead(l language) []block {
	contacts := "{#if company.phone}" + l.t("Tel.", "Тел.") + " {company.phone}{/if}{#if company.phone and company.email} · {/if}{company.email}" +
		"{#if company.website}\n{company.website}{/if}"
	return []block{
		table{widths: []float64{6, 11}, rows: []row{tr(plain,
			c(p("Logo", `{company.logo_id | image "5cm" "1.8cm"}`)),
			c(p("CompanyName", "{company.name}"), p("Letterhead", l.address("company.address", ", ")), p("Letterhead", contacts)))}},
		p("Rule", ""),
	}
}

// footer is the footer of every document: the company's legal details,
// its bank account and the page number.
func footer(l language) []block {
	return blocks(
		p("PageFooter", "{company.legal_name | default company.name}"+l.t(
			"{#if company.registration_number} · Company no. {company.registration_number}{/if}{#if company.tax_id} · VAT no. {company.tax_id}{/if}",
			"{#if company.tax_id} · ИНН {company.tax_id}{/if}{#if company.registration_number} · ОГРН {company.registration_number}{/if}")),
		p("PageFooter", "{#if company.iban}{company.bank_name}{#if company.bank_name} · {/if}"+l.t("IBAN", "р/с")+
			" {company.iban}{#if company.bic} · "+l.t("BIC", "БИК")+" {company.bic}{/if}{/if}"),
		p("PageFooter", l.t("Page "+pageNo+" of "+pageCount, "Страница "+pageNo+" из "+pageCount)),
	)
}

// honorific is the field of a contact's form of address ("Ms", "Mr",
// "Dr", "г-жа", "г-н"): a custom field, since the contact's title is the
// job title.
const honorific = "contact.custom_fields.salutation"

// fullName is the contact's name as the addressee block shows it, with the
// job title on a line of its own.
func (l language) fullName() string {
	return l.t("{#if "+honorific+"}{"+honorific+"} {/if}{contact.first_name} {contact.last_name}",
		"{contact.last_name} {contact.first_name}{#if contact.middle_name} {contact.middle_name}{/if}") +
		"{#if contact.title}\n{contact.title}{/if}"
}

// addressee is the address block: the account, the contact, and the first
// address of first (the record the document is about), else of second.
func addressee(l language, first, second string) []para {
	return ps("AddressBlock",
		"{#if account.name}", "**{account.name}**", "{/if}",
		"{#if contact.last_name or contact.first_name}", l.fullName(), "{/if}",
		"{#if "+first+".addresses}", l.address(first+".addresses.0", "\n"),
		"{#elseif "+second+".addresses}", l.address(second+".addresses.0", "\n"), "{/if}")
}

// detail is a line of the details beside the address ("Quote no. → Q-1"),
// kept only when cond holds ("" for always).
func detail(label, value, cond string) []string {
	line := label + "\t" + value
	if cond == "" {
		return []string{line}
	}
	return []string{"{#if " + cond + "}", line, "{/if}"}
}

// parties is the table under the letterhead: the addressee on the left,
// the document's details on the right.
func parties(left []para, details ...[]string) table {
	var right []string
	for _, d := range details {
		right = append(right, d...)
	}
	return table{widths: []float64{9, 8}, rows: []row{tr(plain, c(left...), c(ps("Details", right...)...))}}
}

// title is the document's heading.
func title(text string) para { return p("DocTitle", text) }

// opening starts a letter about a record: the addressee (the first address
// of first, else of second) with the details beside it, the heading, the
// salutation and the first paragraph.
func opening(l language, first, second, heading, intro string, details ...[]string) []block {
	return cat([]block{parties(addressee(l, first, second), details...)},
		blocks(title(heading), salutation(l), p("Normal", intro)))
}

// Forms of address that tell a contact's gender in a Russian salutation
// (compared in lower case).
var (
	femaleForms = []string{"г-жа", "госпожа", "ms", "ms.", "mrs", "mrs.", "miss"}
	maleForms   = []string{"г-н", "господин", "mr", "mr."}
)

// honorificIs is a condition: the contact's form of address is one of
// forms.
func honorificIs(forms []string) string {
	conds := make([]string, len(forms))
	for i, f := range forms {
		conds[i] = "(" + honorific + ` | trim | lower) = "` + f + `"`
	}
	return "(" + strings.Join(conds, " or ") + ")"
}

// named is the condition of a salutation by name.
const named = "(contact.first_name or (" + honorific + " and contact.last_name))"

// salutation opens a letter: in English "Dear Ms Smith," (form of address
// and last name), "Dear Anna," or "Dear Sir or Madam,"; in Russian
// "Уважаемая Анна Сергеевна!" when the form of address tells the gender,
// else the neutral "Здравствуйте, Анна Сергеевна!".
func salutation(l language) para {
	if l.code == "ru" {
		name := "{contact.first_name}{#if contact.middle_name} {contact.middle_name}{/if}"
		return p("Normal", "{#if contact.first_name and "+honorificIs(femaleForms)+"}Уважаемая "+name+"!"+
			"{#elseif contact.first_name and "+honorificIs(maleForms)+"}Уважаемый "+name+"!"+
			"{#elseif contact.first_name}Здравствуйте, "+name+"!{#else}Здравствуйте!{/if}")
	}
	return p("Normal", "{#if "+honorific+" and contact.last_name}Dear {"+honorific+"} {contact.last_name},"+
		"{#elseif contact.first_name}Dear {contact.first_name},{#else}Dear Sir or Madam,{/if}")
}

// closing ends a letter: the complimentary close (in English "Yours
// sincerely" after a name, "Yours faithfully" after "Dear Sir or Madam"),
// the sender and the company. sender is the field of the sender's name.
func closing(l language, sender string) []block {
	return blocks(
		p("Close", l.t("{#if "+named+"}Yours sincerely,{#else}Yours faithfully,{/if}",
			"С уважением,")),
		p("SignOff", sender),
		p("AddressBlock", "{company.name}"),
	)
}

// when keeps blocks only when cond holds: the tags have paragraphs of
// their own, which disappear from the merged document.
func when(cond string, body ...block) []block {
	return cat(blocks(p("Normal", "{#if "+cond+"}")), body, blocks(p("Normal", "{/if}")))
}

// heading is a section heading.
func heading(text string) para { return p("SectionHeading", text) }
