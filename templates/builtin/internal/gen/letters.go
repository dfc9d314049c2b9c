package gen

import (
	"slices"

	"rapport/model"
)

// letterDoc is a letter to a contact: letterhead, address, date and
// salutation are filled in; the writer replaces the text.
func letterDoc(l language) []block {
	return cat(
		[]block{parties(addressee(l, "contact", "account"),
			detail(l.t("Date", "Дата"), "{today | date}", ""),
			detail(l.t("Your contact", "Ваш менеджер"), "{user.name}", ""),
			detail(l.t("E-mail", "Эл. почта"), "{user.email}", "user.email"))},
		blocks(
			p("Normal", ""),
			p("Normal", l.t("**Subject of the letter**", "**Тема письма**")),
			salutation(l),
			p("Normal", l.t("{! Replace this paragraph with the text of the letter. }Write the text of your letter here.",
				"{! Замените этот абзац текстом письма. }Здесь текст Вашего письма.")),
		),
		closing(l, "{user.name}"),
	)
}

// welcomeDoc welcomes a new customer: who looks after them and how to
// reach the company.
func welcomeDoc(l language) []block {
	owner := "{contact.owner.name | default user.name}"
	return cat(
		opening(l, "contact", "account", l.t("Welcome to {company.name}", "Добро пожаловать!"),
			l.t("Thank you for choosing {company.name}. We are delighted to welcome you{#if account.name} and {account.name}{/if} as a customer.",
				"Благодарим Вас за выбор компании {company.name}. Мы рады приветствовать Вас{#if account.name} и {account.name}{/if} в числе наших клиентов."),
			detail(l.t("Date", "Дата"), "{today | date}", "")),
		blocks(
			p("Normal", l.t("Your personal contact is **"+owner+"**, who will be glad to help with any question about our products, quotes and orders.",
				"Ваш персональный менеджер — **"+owner+"**. Обращайтесь с любыми вопросами о нашей продукции, предложениях и заказах.")),
			heading(l.t("How to reach us", "Как с нами связаться")),
		),
		blocks(ps("Details", slices.Concat(
			detail(l.t("Your contact", "Ваш менеджер"), owner, ""),
			detail(l.t("E-mail", "Эл. почта"), "{contact.owner.email | default company.email}", ""),
			detail(l.t("Telephone", "Телефон"), "{company.phone}", "company.phone"),
			detail(l.t("Website", "Сайт"), "{company.website}", "company.website"))...)...),
		blocks(p("Normal", "")),
		when("contact.emails", p("Normal", l.t(
			"We will send quotes, order confirmations and invoices to {contact.emails.0.value}. If you would rather receive them at another address, just let us know.",
			"Коммерческие предложения, подтверждения заказов и счета мы будем направлять на адрес {contact.emails.0.value}. Если Вам удобнее получать их на другой адрес, просто сообщите нам."))),
		blocks(p("Normal", l.t("We look forward to working with you.", "Будем рады плодотворному сотрудничеству."))),
		closing(l, owner),
	)
}

// choice writes the label of a code field: {#if f = "a"}A{#elseif …}…{/if},
// the code itself when it has no label.
func choice(field string, codes []string, labels map[string]string) string {
	s := ""
	for i, code := range codes {
		if i > 0 {
			s += "{#elseif "
		} else {
			s += "{#if "
		}
		s += field + ` = "` + code + `"}` + labels[code]
	}
	return s + "{#else}{" + field + "}{/if}"
}

// reasonLabels names model.RMAReasons in a language.
func reasonLabels(l language) map[string]string {
	return map[string]string{
		"defective":          l.t("Defective", "Неисправность"),
		"damaged_in_transit": l.t("Damaged in transit", "Повреждение при доставке"),
		"wrong_item":         l.t("Wrong item", "Не тот товар"),
		"not_as_described":   l.t("Not as described", "Не соответствует описанию"),
		"no_longer_needed":   l.t("No longer needed", "Больше не нужен"),
		"other":              l.t("Other", "Другое"),
	}
}

// actionLabels names model.RMAActions in a language.
func actionLabels(l language) map[string]string {
	return map[string]string{
		"repair":  l.t("Repair", "Ремонт"),
		"replace": l.t("Replacement", "Замена"),
		"refund":  l.t("Refund", "Возврат денег"),
	}
}

// rmaDoc authorises a return: the items with their serial numbers, and how
// and where to send them.
func rmaDoc(l language) []block {
	items := table{widths: []float64{1.0, 4.8, 3.0, 1.6, 3.8, 2.8}, head: 1, rows: []row{
		tr(head, c(p("TableHeading", l.t("No.", "№"))), c(p("TableHeading", l.t("Item", "Товар"))),
			c(p("TableHeading", l.t("Serial no.", "Серийный номер"))), c(p("TableHeadingNumber", l.t("Qty", "Кол-во"))),
			c(p("TableHeading", l.t("Reason", "Причина"))), c(p("TableHeading", l.t("Action", "Действие")))),
		tr(line, c(p("TableText", "{#each rma.lines as line}{line.position}")),
			c(p("TableText", "{line.product.name}{#if line.product.sku} ({line.product.sku}){/if}")),
			c(p("TableText", `{line.serial | default "—"}`)),
			c(p("TableNumber", "{line.quantity}")),
			c(p("TableText", choice("line.reason", model.RMAReasons, reasonLabels(l))+"{#if line.reason_text}: {line.reason_text}{/if}")),
			c(p("TableText", choice("line.action", model.RMAActions, actionLabels(l))+"{/each}"))),
	}}
	returnAddress := "**{company.name}**\n" + l.t("Returns department", "Отдел возвратов") + "\n" + l.address("company.address", "\n")
	return cat(
		opening(l, "account", "contact", l.t("Return authorisation {rma.number}", "Разрешение на возврат № {rma.number}"),
			l.t("We have authorised the return of the items below{#if rma.request.number} (your request {rma.request.number}){/if}. Please send them to us as described.",
				"Сообщаем, что возврат перечисленных ниже товаров согласован{#if rma.request.number} (Ваше обращение № {rma.request.number}){/if}. Пожалуйста, отправьте их нам, как описано ниже."),
			detail(l.t("Return no.", "Номер возврата"), "**{rma.number}**", ""),
			detail(l.t("Date", "Дата"), "{rma.authorised_at | default today | date}", ""),
			detail(l.t("Order", "Заказ"), "{rma.order.number}", "rma.order.number"),
			detail(l.t("Your request", "Обращение"), "{rma.request.number}", "rma.request.number"),
			detail(l.t("Your contact", "Ваш менеджер"), sender("rma"), "")),
		[]block{items},
		blocks(
			heading(l.t("How to return the items", "Порядок возврата")),
			p("Normal", l.t("1. Pack the items securely with their accessories, in the original packaging if you still have it.",
				"1. Надёжно упакуйте товары вместе с принадлежностями, по возможности в оригинальную упаковку.")),
			p("Normal", l.t("2. Write the return number **{rma.number}** clearly on the outside of the parcel and enclose a copy of this letter.",
				"2. Крупно укажите номер возврата **{rma.number}** на упаковке и вложите в посылку копию этого письма.")),
			p("Normal", l.t("3. Send the parcel{#if rma.carrier} with {rma.carrier}{/if} to:", "3. Отправьте посылку{#if rma.carrier} через {rma.carrier}{/if} по адресу:")),
			p("Indented", returnAddress),
			p("Normal", l.t("4. Please send the items within 30 days; after that this authorisation expires.",
				"4. Отправьте товары в течение 30 дней, после этого разрешение теряет силу.")),
			p("Remark", l.t("Parcels without the return number may be delayed or refused.", "Посылки без номера возврата могут быть задержаны или не приняты.")),
		),
		notes("rma"),
		closing(l, sender("rma")),
	)
}
