package gen

import (
	"slices"
	"strings"
)

// lineWidths are the columns of a priced document's lines: position,
// description, quantity, unit price, discount, tax rate, amount.
var lineWidths = []float64{1.0, 5.7, 1.8, 2.5, 1.6, 1.4, 3.0}

// linesTable is the table of a quote's, order's or invoice's lines (rec
// names the record): a heading row that repeats on every page, a row
// repeated per line, then the totals — subtotal and discount only when
// there is a discount, the net total, the tax per rate, and the total,
// labelled totalLabel.
//
// With prices that include tax the amount column shows gross amounts and
// the tax rows say "incl."; the net total is then the total less tax, so the
// rows add up either way.
func linesTable(l language, rec, totalLabel string) table {
	r := strings.NewReplacer("REC", rec)
	label := func(text string) cell { return span(6, p("TableNumber", r.Replace(text))) }
	amount := func(text string) cell { return c(p("TableNumber", r.Replace(text))) }
	return table{widths: lineWidths, head: 1, rows: []row{
		tr(head, c(p("TableHeading", l.t("No.", "№"))), c(p("TableHeading", l.t("Description", "Наименование"))),
			c(p("TableHeadingNumber", l.t("Qty", "Кол-во"))), c(p("TableHeadingNumber", l.t("Unit price", "Цена"))),
			c(p("TableHeadingNumber", l.t("Disc.", "Скидка"))), c(p("TableHeadingNumber", l.t("VAT", "НДС"))),
			c(p("TableHeadingNumber", l.t("Amount", "Сумма")))),
		tr(line, c(p("TableText", r.Replace("{#each REC.lines as line}{line.position}"))), c(p("TableText", "{line.description}")),
			c(p("TableNumber", "{line.quantity | number}{#if line.unit} {line.unit}{/if}")), c(p("TableNumber", "{line.unit_price | money}")),
			c(p("TableNumber", "{#if line.discount_percent > 0}{line.discount_percent | percent}{/if}")),
			c(p("TableNumber", "{line.tax_rate | percent}")),
			amount("{#if REC.prices_include_tax}{line.gross_amount | money}{#else}{line.net_amount | money}{/if}{/each}")),
		tr(plain, label("{#if REC.discount_total > 0}"+l.t("Subtotal", "Сумма без скидки")), amount("{REC.subtotal | money}")),
		tr(plain, label(l.t("Discount", "Скидка")), amount("−{REC.discount_total | money}{/if}")),
		tr(plain, label(l.t("Net total", "Итого без НДС")), amount("{REC.net_total | money}")),
		tr(plain, label(`{#each REC.lines group "tax_rate" as g}`+l.t(
			`{#if REC.prices_include_tax}incl. {/if}VAT {g.key | percent} on {sum g.items "net_amount" | money}`,
			`{#if g.key = 0}Без НДС{#else}{#if REC.prices_include_tax}В том числе НДС{#else}НДС{/if} {g.key | percent}{/if}`)),
			amount(`{sum g.items "tax_amount" | money}{/each}`)),
		tr(grand, label("**"+totalLabel+"**"), amount("**{REC.total | money}**")),
	}}
}

// pricesNote says whether the prices include tax.
func pricesNote(l language, rec string) string {
	return "{#if " + rec + ".prices_include_tax}" + l.t("All prices include VAT.", "Цены указаны с учётом НДС.") +
		"{#else}" + l.t("All prices are net; VAT is added at the rates shown.", "Цены указаны без НДС; НДС начисляется по указанным ставкам.") + "{/if}"
}

// notes shows a record's notes when it has any.
func notes(rec string) []block { return when(rec+".notes", p("Normal", "{"+rec+".notes}")) }

// sender is the name of whoever signs a record's document: its owner, else
// the user who merges it.
func sender(rec string) string { return "{" + rec + ".owner.name | default user.name}" }

// quoteDoc is the quote ("Коммерческое предложение").
func quoteDoc(l language) []block {
	return pricedLetter(l, "quote", l.t("Quote {quote.number}", "Коммерческое предложение № {quote.number}"),
		l.t("Thank you for your enquiry. We are pleased to offer you the following{#if quote.valid_until}, valid until {quote.valid_until | date}{/if}:",
			"Благодарим Вас за запрос. Рады предложить Вам следующее{#if quote.valid_until} (предложение действительно до {quote.valid_until | date}){/if}:"),
		l.t("To accept this quote, simply reply to this letter or return a signed copy. We will be glad to answer any questions.",
			"Чтобы принять предложение, ответьте на это письмо или направьте нам подписанную копию. Будем рады ответить на Ваши вопросы."),
		detail(l.t("Quote no.", "Номер"), "**{quote.number}**", ""),
		detail(l.t("Date", "Дата"), "{today | date}", ""),
		detail(l.t("Valid until", "Действует до"), "{quote.valid_until | date}", "quote.valid_until"),
		detail(l.t("Your contact", "Ваш менеджер"), sender("quote"), ""),
		detail(l.t("E-mail", "Эл. почта"), "{quote.owner.email | default user.email}", ""))
}

// orderDoc is the order confirmation ("Подтверждение заказа").
func orderDoc(l language) []block {
	return pricedLetter(l, "order", l.t("Order confirmation {order.number}", "Подтверждение заказа № {order.number}"),
		l.t("Thank you for your order{#if order.external_ref} {order.external_ref}{/if}{#if order.quote.number}, placed on our quote {order.quote.number}{/if}. We confirm it as follows:",
			"Благодарим Вас за заказ{#if order.external_ref} № {order.external_ref}{/if}{#if order.quote.number}, оформленный по нашему предложению № {order.quote.number}{/if}. Подтверждаем его в следующем составе:"),
		l.t("We will let you know the delivery date. If anything in this confirmation differs from your order, please tell us within five working days.",
			"Мы сообщим Вам срок поставки. Если подтверждение расходится с Вашим заказом, пожалуйста, сообщите нам об этом в течение пяти рабочих дней."),
		detail(l.t("Order no.", "Номер"), "**{order.number}**", ""),
		detail(l.t("Order date", "Дата заказа"), "{order.order_date | date}", "order.order_date"),
		detail(l.t("Your reference", "Ваш номер"), "{order.external_ref}", "order.external_ref"),
		detail(l.t("Our quote", "Предложение"), "{order.quote.number}", "order.quote.number"),
		detail(l.t("Your contact", "Ваш менеджер"), sender("order"), ""))
}

// pricedLetter is a letter with a record's lines (a quote, an order): the
// opening, the lines and totals, the notes, whether prices include tax
// followed by outro, and the closing.
func pricedLetter(l language, rec, heading, intro, outro string, details ...[]string) []block {
	return cat(
		opening(l, "account", "contact", heading, intro, details...),
		[]block{linesTable(l, rec, l.t("Total", "Итого"))},
		blocks(p("Normal", "")),
		notes(rec),
		blocks(p("Normal", pricesNote(l, rec)+" "+outro)),
		closing(l, sender(rec)),
	)
}

// creditNote is the condition of a credit note.
const creditNote = `invoice.kind = "credit_note"`

// invoiceDoc is the invoice ("Счёт на оплату"). The Russian one follows the
// usual Russian form: the payee's bank details first, then supplier and
// buyer, the lines, the total in a sentence, and the signatures.
func invoiceDoc(l language) []block {
	issued := "{invoice.issue_date | default today | date}"
	if l.code == "ru" {
		return russianInvoice(issued)
	}
	return cat(
		[]block{parties(addressee(l, "account", "contact"),
			detail("{#if "+creditNote+"}Credit note no.{#else}Invoice no.{/if}", "**{invoice.number}**", ""),
			detail("Date", issued, ""),
			detail("Due date", "{invoice.due_date | date}", "invoice.due_date and not "+creditNote),
			detail("Period", "{invoice.period_start | date} – {invoice.period_end | date}", "invoice.period_start"),
			detail("Your reference", "{invoice.external_ref}", "invoice.external_ref"),
			detail("Your contact", sender("invoice"), ""))},
		blocks(title("{#if "+creditNote+"}Credit note{#else}Invoice{/if} {invoice.number}"),
			p("Normal", "{#if "+creditNote+"}We credit your account with the following:{#else}Thank you for your business. We invoice you for the following:{/if}")),
		[]block{linesTable(l, "invoice", "{#if "+creditNote+"}Total credit{#else}Amount due{/if}")},
		blocks(p("Normal", "")),
		notes("invoice"),
		when("invoice.paid_on", p("Normal", "Paid on {invoice.paid_on | date} — thank you.")),
		when("not invoice.paid_on and not "+creditNote, cat(
			blocks(p("Normal", "Please pay **{invoice.total | money}**{#if invoice.due_date} by **{invoice.due_date | date}**{/if} "+
				"to the account below, quoting **{invoice.payment_ref | default invoice.number}**."),
				heading("Payment details")),
			blocks(ps("Details", slices.Concat(
				detail("Account holder", "{company.legal_name | default company.name}", ""),
				detail("Bank", "{company.bank_name}", "company.bank_name"),
				detail("IBAN", "{company.iban}", ""),
				detail("BIC", "{company.bic}", "company.bic"),
				detail("Reference", "{invoice.payment_ref | default invoice.number}", ""),
				detail("Terms", "{invoice.payment_terms_days} days net", "invoice.payment_terms_days > 0"))...)...))...),
		blocks(p("Normal", ""), p("Normal", pricesNote(l, "invoice")+
			" Questions about this invoice? Please contact "+sender("invoice")+", {invoice.owner.email | default user.email}.")),
	)
}

// russianInvoice is the Russian invoice; issued is the date of issue.
func russianInvoice(issued string) []block {
	l := russian
	bank := func(label, value string) row {
		return tr(grid, c(p("TableText", label)), c(p("TableText", value)))
	}
	return cat(
		[]block{table{widths: []float64{5, 12}, rows: []row{
			bank("Получатель", "{company.legal_name | default company.name}"),
			bank("ИНН", "{company.tax_id}"),
			bank("Банк получателя", "{company.bank_name}"),
			bank("БИК", "{company.bic}"),
			bank("Расчётный счёт", "{company.iban}"),
		}}},
		blocks(
			title("{#if "+creditNote+"}Кредит-нота{#else}Счёт на оплату{/if} № {invoice.number} от "+issued),
			p("Normal", "**Поставщик:** {company.legal_name | default company.name}{#if company.tax_id}, ИНН {company.tax_id}{/if}, "+
				l.address("company.address", ", ")),
			p("Normal", "**Покупатель:** {account.name}{#if account.addresses}, "+l.address("account.addresses.0", ", ")+"{/if}")),
		when("invoice.period_start", p("Normal", "**Период:** с {invoice.period_start | date} по {invoice.period_end | date}")),
		when("invoice.external_ref", p("Normal", "**Основание:** {invoice.external_ref}")),
		[]block{linesTable(l, "invoice", "{#if "+creditNote+"}Итого к зачёту{#else}Всего к оплате{/if}")},
		blocks(p("Normal", ""),
			p("Normal", "Всего наименований {count invoice.lines}, на сумму {invoice.total | money}.")),
		notes("invoice"),
		when("invoice.paid_on", p("Normal", "Оплачено {invoice.paid_on | date} — благодарим Вас!")),
		when("not invoice.paid_on and not "+creditNote, cat(
			when("invoice.due_date", p("Normal", "Оплатить не позднее **{invoice.due_date | date}**")),
			blocks(p("Normal", "В назначении платежа укажите: «Оплата по счёту № {invoice.number}{#if invoice.payment_ref} ({invoice.payment_ref}){/if}».")))...),
		blocks(p("Normal", pricesNote(l, "invoice")),
			p("SignOff", "Руководитель ____________________"),
			p("SignOff", "Главный бухгалтер ____________________"),
			p("Remark", "Ответственный менеджер: "+sender("invoice"))),
	)
}
