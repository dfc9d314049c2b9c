package console

import (
	"fmt"
	"strings"

	"golang.org/x/text/feature/plural"
)

// catalogue is every text the console shows, in each UI language side by
// side: key → {English, Russian}. Values are fmt formats (%s, %[2]s for
// reordered arguments). TestCatalogue checks that both languages have every
// key with the same arguments, and that every key a template or handler
// names exists.
var catalogue = map[string][2]string{
	// Layout and navigation
	"layout.skip":    {"Skip to content", "Перейти к содержимому"},
	"layout.nav":     {"Main", "Главное меню"},
	"layout.zone":    {"Times in %s", "Время: %s"},
	"nav.home":       {"Home", "Главная"},
	"nav.contacts":   {"Contacts", "Контакты"},
	"nav.accounts":   {"Accounts", "Организации"},
	"nav.pipelines":  {"Pipeline", "Воронка"},
	"nav.requests":   {"Requests", "Обращения"},
	"nav.profile":    {"your profile", "ваш профиль"},
	"nav.signout":    {"Sign out", "Выйти"},
	"day.today":      {"Today", "Сегодня"},
	"day.yesterday":  {"Yesterday", "Вчера"},
	"day.tomorrow":   {"Tomorrow", "Завтра"},
	"record.created": {"Created", "Создан"},
	"record.updated": {"Updated", "Изменён"},
	"record.tags":    {"Tags", "Метки"},
	"record.notes":   {"Notes", "Заметки"},

	// Sign-in
	"login.title":              {"Sign in", "Вход"},
	"login.heading":            {"Sign in to Rapport", "Вход в Rapport"},
	"login.login":              {"E-mail or username", "Эл. почта или имя пользователя"},
	"login.password":           {"Password", "Пароль"},
	"login.submit":             {"Sign in", "Войти"},
	"login.back":               {"Back to Rapport", "Вернуться в Rapport"},
	"login.error.unreadable":   {"The form could not be read. Please try again.", "Не удалось прочитать форму. Попробуйте ещё раз."},
	"login.error.expired":      {"The form expired. Please sign in again.", "Срок действия формы истёк. Войдите ещё раз."},
	"login.error.wrong":        {"Wrong e-mail, username or password.", "Неверная эл. почта, имя пользователя или пароль."},
	"login.error.failed":       {"Sign-in failed. Please try again.", "Не удалось войти. Попробуйте ещё раз."},
	"login.error.sign_out":     {"Sign-out could not be verified. Please use the Sign out button.", "Выход не подтверждён. Воспользуйтесь кнопкой «Выйти»."},
	"login.error.rate_limited": {"Too many failed sign-ins. Please wait %s and try again.", "Слишком много неудачных попыток входа. Подождите %s и попробуйте снова."},

	// Errors
	"error.notfound.title":  {"Not found", "Не найдено"},
	"error.notfound.text":   {"There is no such page, or you may not see this record.", "Такой страницы нет, или у вас нет доступа к этой записи."},
	"error.forbidden.title": {"Not allowed", "Нет доступа"},
	"error.forbidden.text":  {"You may not do this. If you sent a form, it may have expired: reload the page and try again.", "У вас нет права на это действие. Если вы отправляли форму, её срок мог истечь: обновите страницу и попробуйте снова."},
	"error.ratelimit.title": {"Too many attempts", "Слишком много попыток"},
	"error.ratelimit.text":  {"Please wait a few minutes and try again.", "Подождите несколько минут и попробуйте снова."},
	"error.request.title":   {"The request could not be done", "Запрос не выполнен"},
	"error.request.text":    {"Please check what you entered and try again.", "Проверьте введённые данные и попробуйте снова."},
	"error.server.title":    {"Something went wrong", "Что-то пошло не так"},
	"error.server.text":     {"The server could not show this page. Please try again in a moment.", "Сервер не смог показать эту страницу. Попробуйте чуть позже."},
	"error.home":            {"Go to the home page", "На главную"},

	// Home
	"home.title":                {"Home", "Главная"},
	"home.heading":              {"Hello, %s", "Здравствуйте, %s"},
	"home.agenda":               {"Today's appointments", "Встречи на сегодня"},
	"home.agenda.none":          {"Nothing in your calendar today.", "На сегодня в календаре ничего нет."},
	"home.allday":               {"All day", "Весь день"},
	"home.tasks":                {"Tasks due", "Задачи к сроку"},
	"home.tasks.none":           {"No open tasks due today.", "Открытых задач на сегодня нет."},
	"home.due":                  {"due %s", "срок %s"},
	"home.overdue":              {"overdue since %s", "просрочено с %s"},
	"home.requests":             {"My open requests", "Мои открытые обращения"},
	"home.requests.none":        {"No open requests are assigned to you.", "На вас не назначено открытых обращений."},
	"home.sla.late":             {"past its deadline", "срок истёк"},
	"home.pipeline":             {"My pipeline", "Моя воронка"},
	"home.pipeline.none":        {"You have no open deals.", "У вас нет открытых сделок."},
	"home.pipeline.stage":       {"Stage", "Этап"},
	"home.pipeline.name":        {"Pipeline", "Воронка"},
	"home.pipeline.probability": {"Probability", "Вероятность"},
	"home.pipeline.count":       {"Deals", "Сделки"},
	"home.pipeline.amount":      {"Amount", "Сумма"},
	"home.pipeline.weighted":    {"Weighted", "С учётом вероятности"},
	"home.steps":                {"Overdue next steps", "Просроченные следующие шаги"},
	"home.steps.none":           {"No next step of yours is overdue.", "Просроченных следующих шагов нет."},
	"profile.language.browser":  {"As the browser asks", "Как в браузере"},

	// Lists
	"list.results":         {"Results", "Результаты"},
	"list.sort":            {"Sort", "Порядок"},
	"list.sort.name":       {"By name", "По имени"},
	"list.sort.updated":    {"Recently changed", "Недавно изменённые"},
	"list.sort.created":    {"Recently added", "Недавно добавленные"},
	"list.mine":            {"Only mine", "Только мои"},
	"list.search":          {"Search", "Найти"},
	"list.busy":            {"Searching…", "Поиск…"},
	"pager.label":          {"Pages", "Страницы"},
	"pager.first":          {"First page", "Первая страница"},
	"pager.prev":           {"Previous", "Назад"},
	"pager.next":           {"Next", "Далее"},
	"contacts.title":       {"Contacts", "Контакты"},
	"contacts.search":      {"Search contacts", "Поиск контактов"},
	"contacts.search.hint": {"Names in any script, a whole e-mail address or phone number, or the company.", "Имя на любом языке, полный адрес эл. почты или номер телефона, название организации."},
	"contacts.name":        {"Name", "Имя"},
	"contacts.account":     {"Account", "Организация"},
	"contacts.jobtitle":    {"Job title", "Должность"},
	"contacts.email":       {"E-mail", "Эл. почта"},
	"contacts.phone":       {"Phone", "Телефон"},
	"contacts.none":        {"No contacts yet.", "Контактов пока нет."},
	"contacts.none.match":  {"No contacts match “%s”.", "По запросу «%s» контактов не найдено."},
	"accounts.title":       {"Accounts", "Организации"},
	"accounts.search":      {"Search accounts", "Поиск организаций"},
	"accounts.search.hint": {"Words of the name, in any script.", "Слова из названия на любом языке."},
	"accounts.name":        {"Name", "Название"},
	"accounts.industry":    {"Industry", "Отрасль"},
	"accounts.phone":       {"Phone", "Телефон"},
	"accounts.website":     {"Website", "Сайт"},
	"accounts.owner":       {"Owner", "Ответственный"},
	"accounts.none":        {"No accounts yet.", "Организаций пока нет."},
	"accounts.none.match":  {"No accounts match “%s”.", "По запросу «%s» организаций не найдено."},

	// Record views
	"contact.details":      {"Details", "Сведения"},
	"contact.email":        {"E-mail", "Эл. почта"},
	"contact.phone":        {"Phone", "Телефон"},
	"contact.address":      {"Address", "Адрес"},
	"contact.web":          {"Web", "Сайт"},
	"contact.birthday":     {"Birthday", "День рождения"},
	"contact.language":     {"Language", "Язык"},
	"contact.owner":        {"Owner", "Ответственный"},
	"contact.unsubscribed": {"Unsubscribed from marketing mail.", "Отписан от рекламных рассылок."},
	"account.details":      {"Details", "Сведения"},
	"account.parent":       {"part of", "входит в"},
	"account.people":       {"People", "Сотрудники"},
	"account.people.all":   {"All contacts of this account", "Все контакты организации"},
	"account.people.none":  {"No contacts at this account yet.", "Контактов в этой организации пока нет."},

	// Timeline
	"timeline.title":           {"Timeline", "Хронология"},
	"timeline.filter":          {"Show", "Показать"},
	"timeline.none":            {"Nothing here yet.", "Здесь пока ничего нет."},
	"timeline.older":           {"Older entries", "Более ранние записи"},
	"timeline.capped":          {"The newest %d entries. Choose a kind to see all of it.", "Последние записи (%d). Выберите вид, чтобы увидеть все."},
	"timeline.show.all":        {"All", "Все"},
	"timeline.show.activities": {"Activities", "Дела"},
	"timeline.show.mails":      {"Mails", "Письма"},
	"timeline.show.documents":  {"Documents", "Документы"},
	"timeline.show.files":      {"Files", "Файлы"},
	"timeline.show.requests":   {"Requests", "Обращения"},
	"timeline.show.deals":      {"Deals", "Сделки"},
	"timeline.show.quotes":     {"Quotes", "Предложения"},
	"timeline.show.orders":     {"Orders", "Заказы"},

	// Kinds of timeline entries
	"kind.appointment": {"Appointment", "Встреча"},
	"kind.call":        {"Call", "Звонок"},
	"kind.task":        {"Task", "Задача"},
	"kind.note":        {"Note", "Заметка"},
	"kind.email":       {"E-mail", "Письмо"},
	"kind.document":    {"Document", "Документ"},
	"kind.request":     {"Request", "Обращение"},
	"kind.deal":        {"Deal", "Сделка"},
	"kind.quote":       {"Quote", "Предложение"},
	"kind.order":       {"Order", "Заказ"},
	"kind.file":        {"File", "Файл"},

	// Statuses, by kind
	"status.appointment.confirmed":       {"confirmed", "подтверждена"},
	"status.appointment.tentative":       {"tentative", "предварительно"},
	"status.appointment.cancelled":       {"cancelled", "отменена"},
	"status.call.planned":                {"planned", "запланирован"},
	"status.call.held":                   {"held", "состоялся"},
	"status.call.not_held":               {"not held", "не состоялся"},
	"status.task.needs_action":           {"to do", "к выполнению"},
	"status.task.in_process":             {"in progress", "в работе"},
	"status.task.completed":              {"completed", "выполнена"},
	"status.task.cancelled":              {"cancelled", "отменена"},
	"status.note.done":                   {"note", "заметка"},
	"status.email.done":                  {"logged", "записано"},
	"status.email.draft":                 {"draft", "черновик"},
	"status.email.sent":                  {"sent", "отправлено"},
	"status.email.received":              {"received", "получено"},
	"status.document.done":               {"made", "создан"},
	"status.document.draft":              {"draft", "черновик"},
	"status.request.new":                 {"new", "новое"},
	"status.request.open":                {"open", "в работе"},
	"status.request.pending_customer":    {"waiting for the customer", "ждёт клиента"},
	"status.request.pending_third_party": {"waiting for a third party", "ждёт третьей стороны"},
	"status.request.resolved":            {"resolved", "решено"},
	"status.request.closed":              {"closed", "закрыто"},
	"status.deal.open":                   {"open", "открыта"},
	"status.deal.won":                    {"won", "выиграна"},
	"status.deal.lost":                   {"lost", "проиграна"},
	"status.deal.disqualified":           {"disqualified", "дисквалифицирована"},
	"status.quote.draft":                 {"draft", "черновик"},
	"status.quote.sent":                  {"sent", "отправлено"},
	"status.quote.accepted":              {"accepted", "принято"},
	"status.quote.rejected":              {"rejected", "отклонено"},
	"status.quote.expired":               {"expired", "истекло"},
	"status.quote.superseded":            {"superseded", "заменено"},
	"status.order.draft":                 {"draft", "черновик"},
	"status.order.confirmed":             {"confirmed", "подтверждён"},
	"status.order.fulfilled":             {"fulfilled", "выполнен"},
	"status.order.cancelled":             {"cancelled", "отменён"},
	"priority.low":                       {"low", "низкий"},
	"priority.normal":                    {"normal", "обычный"},
	"priority.high":                      {"high", "высокий"},
	"priority.urgent":                    {"urgent", "срочно"},
	"role.admin":                         {"administrator", "администратор"},
	"role.manager":                       {"manager", "руководитель"},
	"role.agent":                         {"agent", "сотрудник"},
	"role.portal":                        {"portal user", "пользователь портала"},

	// Profile
	"profile.title":            {"Your profile", "Ваш профиль"},
	"profile.preferences":      {"Language and time zone", "Язык и часовой пояс"},
	"profile.language":         {"Language", "Язык"},
	"profile.zone":             {"Time zone", "Часовой пояс"},
	"profile.zone.hint":        {"An IANA zone such as Europe/Berlin. Empty: the installation's zone.", "Пояс IANA, например Europe/Moscow. Пусто — пояс установки."},
	"profile.save":             {"Save", "Сохранить"},
	"profile.password":         {"Password", "Пароль"},
	"profile.password.current": {"Current password", "Текущий пароль"},
	"profile.password.new":     {"New password", "Новый пароль"},
	"profile.password.hint":    {"At least 12 characters. Your other sessions end when it changes.", "Не менее 12 символов. После смены остальные сеансы завершатся."},
	"profile.password.confirm": {"New password again", "Новый пароль ещё раз"},
	"profile.password.change":  {"Change password", "Сменить пароль"},
	"profile.apps":             {"App passwords for calendars and address books", "Пароли приложений для календарей и адресных книг"},
	"profile.apps.intro":       {"Give each device (Thunderbird, iPhone, DAVx⁵, Outlook) its own password: revoking one leaves the others working.", "Выдайте каждому устройству (Thunderbird, iPhone, DAVx⁵, Outlook) свой пароль: отзыв одного не мешает остальным."},
	"profile.apps.server":      {"Server", "Сервер"},
	"profile.apps.user":        {"User name", "Имя пользователя"},
	"profile.apps.label":       {"Device", "Устройство"},
	"profile.apps.used":        {"Last used", "Последнее использование"},
	"profile.apps.never":       {"never", "не использовался"},
	"profile.apps.actions":     {"Actions", "Действия"},
	"profile.apps.revoke":      {"Revoke", "Отозвать"},
	"profile.apps.revoked":     {"revoked %s", "отозван %s"},
	"profile.apps.none":        {"No app passwords yet.", "Паролей приложений пока нет."},
	"profile.apps.new":         {"New app password for", "Новый пароль приложения для"},
	"profile.apps.new.hint":    {"The device, e.g. “Anna's iPhone”.", "Устройство, например «iPhone Анны»."},
	"profile.apps.create":      {"Create app password", "Создать пароль приложения"},
	"profile.apps.created":     {"The app password for “%s”:", "Пароль приложения для «%s»:"},
	"profile.apps.secret":      {"App password", "Пароль приложения"},
	"profile.apps.once":        {"Enter it on the device now: it is shown only this once.", "Введите его на устройстве сейчас: он показывается только один раз."},
	"profile.error.language":   {"Choose a language from the list.", "Выберите язык из списка."},
	"profile.error.zone":       {"Not a known time zone: use a name such as Europe/Berlin.", "Неизвестный часовой пояс: укажите имя вроде Europe/Moscow."},
	"profile.error.current":    {"The current password is wrong.", "Текущий пароль указан неверно."},
	"profile.error.mismatch":   {"The two new passwords differ.", "Новые пароли не совпадают."},
	"profile.error.weak":       {"Use at least 12 characters.", "Используйте не менее 12 символов."},
	"profile.error.ratelimit":  {"Too many wrong passwords. Please wait a few minutes.", "Слишком много неверных паролей. Подождите несколько минут."},
	"profile.error.label":      {"Name the device (at most 200 characters).", "Назовите устройство (не более 200 символов)."},
	"done.preferences":         {"Your language and time zone are saved.", "Язык и часовой пояс сохранены."},
	"done.password":            {"Your password is changed. Other sessions have ended.", "Пароль изменён. Остальные сеансы завершены."},
	"done.revoked":             {"The app password is revoked: that device can no longer sign in.", "Пароль приложения отозван: это устройство больше не сможет войти."},

	// Pipeline board and deals
	"pipelines.title":     {"Pipelines", "Воронки продаж"},
	"pipelines.none":      {"No pipelines yet: an administrator sets them up.", "Воронок пока нет: их настраивает администратор."},
	"pipelines.inactive":  {"inactive", "не используется"},
	"board.title":         {"Pipeline: %s", "Воронка: %s"},
	"board.pipeline":      {"Pipeline", "Воронка"},
	"board.show":          {"Show", "Показать"},
	"board.all":           {"All pipelines", "Все воронки"},
	"board.help":          {"Drag a card onto another stage, or open “Move” on the card, choose the stage and press “Move”.", "Перетащите карточку на другой этап или откройте «Переместить» на карточке, выберите этап и нажмите «Переместить»."},
	"board.count":         {"Deals", "Сделки"},
	"board.total":         {"Total", "Сумма"},
	"board.weighted":      {"Weighted", "С учётом вероятности"},
	"board.next":          {"Next step", "Следующий шаг"},
	"board.move":          {"Move", "Переместить"},
	"board.move.to":       {"Move to", "Переместить на"},
	"board.move.submit":   {"Move", "Переместить"},
	"board.stages":        {"Stages", "Этапы"},
	"board.close":         {"Close the deal", "Закрыть сделку"},
	"board.reason":        {"Reason", "Причина"},
	"board.reason.hint":   {"Needed when a deal is lost or disqualified.", "Нужна, если сделка проиграна или дисквалифицирована."},
	"board.refused":       {"The deal was not moved.", "Сделка не перемещена."},
	"board.empty":         {"No deals at this stage.", "На этом этапе сделок нет."},
	"deal.details":        {"Details", "Сведения"},
	"deal.amount":         {"Amount", "Сумма"},
	"deal.probability":    {"Probability", "Вероятность"},
	"deal.contact":        {"Contact", "Контакт"},
	"deal.close":          {"Expected close", "Ожидаемое закрытие"},
	"deal.next":           {"Next step", "Следующий шаг"},
	"deal.source":         {"Source", "Источник"},
	"deal.reason":         {"Outcome reason", "Причина исхода"},
	"deal.closed":         {"Closed", "Закрыта"},
	"deal.checklist":      {"Checklist: %s", "Что сделать на этапе «%s»"},
	"deal.checklist.none": {"This stage has no checklist.", "Для этого этапа нет списка дел."},
	"deal.history":        {"Stage history", "История этапов"},
	"deal.history.when":   {"When", "Когда"},
	"deal.history.stage":  {"Stage", "Этап"},
	"deal.history.who":    {"By", "Кто"},
	"deal.history.none":   {"No stage changes yet.", "Этап ещё не менялся."},
	"refused.forbidden":   {"You may not change this record.", "У вас нет права изменять эту запись."},
	"refused.changed":     {"Someone changed it meanwhile; the page now shows the current state. Please try again.", "Запись тем временем изменили; на странице её текущее состояние. Попробуйте ещё раз."},
	"refused.reason":      {"Say why the deal was lost or disqualified.", "Укажите, почему сделка проиграна или дисквалифицирована."},
	"refused.stage":       {"Choose a stage of this pipeline.", "Выберите этап этой воронки."},
	"refused.version":     {"The form is incomplete: reload the page and try again.", "Форма неполна: обновите страницу и попробуйте снова."},
	"refused.text":        {"Write the text first.", "Сначала напишите текст."},
	"refused.status":      {"The request cannot go to that status from its current one.", "Обращение нельзя перевести в этот статус из текущего."},
	"refused.minutes":     {"Give the minutes spent, from 1 to 1440.", "Укажите затраченные минуты: от 1 до 1440."},
	"refused.day":         {"Give the day as a date.", "Укажите день в виде даты."},
	"refused.recipient":   {"The request has no one to answer: link a contact with an e-mail address.", "Обращению некому ответить: привяжите контакт с адресом эл. почты."},
	"refused.other":       {"It was refused: %s", "Отказано: %s"},

	// Support desk
	"requests.title":             {"Requests", "Обращения"},
	"requests.filters":           {"Filter requests", "Отбор обращений"},
	"requests.queue":             {"Queue", "Очередь"},
	"requests.queue.any":         {"Any queue", "Любая очередь"},
	"requests.status":            {"Status", "Статус"},
	"requests.status.open":       {"Open (all open statuses)", "Открытые (все открытые статусы)"},
	"requests.status.all":        {"Any status", "Любой статус"},
	"requests.sort.activity":     {"Latest activity", "По последней активности"},
	"requests.sort.oldest":       {"Oldest first", "Сначала старые"},
	"requests.mine":              {"Assigned to me", "Назначенные мне"},
	"requests.unassigned":        {"Unassigned", "Без исполнителя"},
	"requests.filter":            {"Show", "Показать"},
	"requests.next":              {"Next request", "Следующее обращение"},
	"requests.next.hint":         {"Takes the first unassigned open request of the queue, in the queue's order, and assigns it to you.", "Берёт первое открытое обращение очереди без исполнителя (в порядке очереди) и назначает его вам."},
	"requests.next.from":         {"Next from %s", "Следующее из «%s»"},
	"requests.next.none":         {"The queue “%s” has no unassigned open request.", "В очереди «%s» нет открытых обращений без исполнителя."},
	"requests.number":            {"Number", "Номер"},
	"requests.subject":           {"Subject", "Тема"},
	"requests.priority":          {"Priority", "Приоритет"},
	"requests.assignee":          {"Assignee", "Исполнитель"},
	"requests.activity":          {"Last activity", "Последняя активность"},
	"requests.nobody":            {"nobody", "не назначен"},
	"requests.none":              {"No requests match.", "Подходящих обращений нет."},
	"request.refused":            {"That was not done.", "Действие не выполнено."},
	"request.details":            {"Details", "Сведения"},
	"request.channel":            {"Channel", "Канал"},
	"request.first.due":          {"First answer due", "Первый ответ до"},
	"request.first.at":           {"answered %s", "отвечено %s"},
	"request.resolution.due":     {"Resolution due", "Решение до"},
	"request.sla":                {"Service level", "Уровень сервиса"},
	"request.sla.breached":       {"breached", "нарушен"},
	"request.sla.ok":             {"kept", "соблюдён"},
	"request.work":               {"Status and assignment", "Статус и исполнитель"},
	"request.work.save":          {"Save", "Сохранить"},
	"request.queue.none":         {"No queue", "Без очереди"},
	"request.time":               {"Time spent", "Затраченное время"},
	"request.time.none":          {"No time booked yet.", "Время ещё не учтено."},
	"request.time.minutes":       {"Minutes", "Минуты"},
	"request.time.day":           {"Day", "День"},
	"request.time.note":          {"What was done", "Что сделано"},
	"request.time.billable":      {"billable", "оплачиваемое"},
	"request.time.log":           {"Book time", "Учесть время"},
	"request.kb":                 {"Suggested answers", "Подходящие ответы"},
	"request.kb.none":            {"The answer book has nothing that matches.", "В базе ответов ничего подходящего нет."},
	"request.kb.open":            {"Open the article", "Открыть статью"},
	"request.answer":             {"Answer", "Ответ"},
	"request.reply.text":         {"Reply by mail to the customer", "Ответ клиенту по почте"},
	"request.reply.hint":         {"Sent from the queue's mailbox, threaded under the customer's last mail.", "Уходит из почтового ящика очереди, в цепочке под последним письмом клиента."},
	"request.reply.send":         {"Send reply", "Отправить ответ"},
	"request.reply.unconfigured": {"Sending mail is not configured on this hub.", "Отправка почты на этом сервере не настроена."},
	"request.then":               {"Then set the status to", "Затем перевести в статус"},
	"request.then.auto":          {"as the workflow does", "как положено по процессу"},
	"request.then.same":          {"leave it", "не менять"},
	"request.note.text":          {"Internal note", "Внутренняя заметка"},
	"request.note.hint":          {"Only colleagues see it; the customer does not.", "Видят только коллеги, клиент — нет."},
	"request.note.add":           {"Add note", "Добавить заметку"},
	"request.story":              {"Chronology", "Хронология"},
	"request.story.private":      {"Internal note", "Внутренняя заметка"},
	"request.story.opened":       {"Request opened", "Обращение создано"},
	"request.field.status":       {"Status", "Статус"},
	"request.field.priority":     {"Priority", "Приоритет"},
	"request.field.assignee_id":  {"Assignee", "Исполнитель"},
	"request.field.queue_id":     {"Queue", "Очередь"},
	"request.field.sla_breached": {"Service level", "Уровень сервиса"},
	"done.moved":                 {"The deal is moved.", "Сделка перемещена."},
	"done.replied":               {"Your reply is queued for sending.", "Ответ поставлен в очередь на отправку."},
	"done.noted":                 {"The note is added.", "Заметка добавлена."},
	"done.updated":               {"The request is saved.", "Обращение сохранено."},
	"done.logged":                {"The time is booked.", "Время учтено."},
	"done.taken":                 {"The request is yours now.", "Теперь это обращение ваше."},
}

// pluralCatalogue holds the texts that depend on a number, as CLDR plural
// forms "form:text|form:text" (English: one, other; Russian: one, few,
// many, other). %s is the number, formatted for the locale.
var pluralCatalogue = map[string][2]string{
	"pager.shown":         {"one:%s row shown|other:%s rows shown", "one:показана %s строка|few:показаны %s строки|many:показано %s строк|other:показано %s строки"},
	"home.pipeline.deals": {"one:%s open deal|other:%s open deals", "one:%s открытая сделка|few:%s открытые сделки|many:%s открытых сделок|other:%s открытой сделки"},
	"unit.minutes":        {"one:%s minute|other:%s minutes", "one:%s минуту|few:%s минуты|many:%s минут|other:%s минуты"},
	"board.more":          {"one:and %s more deal|other:and %s more deals", "one:и ещё %s сделка|few:и ещё %s сделки|many:и ещё %s сделок|other:и ещё %s сделки"},
	"request.time.total":  {"one:%s minute in all|other:%s minutes in all", "one:всего %s минута|few:всего %s минуты|many:всего %s минут|other:всего %s минуты"},
}

// langIndex orders the catalogue's columns.
var langIndex = map[string]int{"en": 0, "ru": 1}

// texts and plurals are the catalogue by language.
var (
	texts   = map[string]map[string]string{}
	plurals = map[string]map[string]map[plural.Form]string{}
)

// pluralForms names CLDR's plural categories.
var pluralForms = map[string]plural.Form{"zero": plural.Zero, "one": plural.One, "two": plural.Two,
	"few": plural.Few, "many": plural.Many, "other": plural.Other}

func init() {
	for lang, i := range langIndex {
		texts[lang], plurals[lang] = map[string]string{}, map[string]map[plural.Form]string{}
		for k, v := range catalogue {
			texts[lang][k] = v[i]
		}
		for k, v := range pluralCatalogue {
			forms, err := parsePlural(v[i])
			if err != nil {
				panic(fmt.Sprintf("console: catalogue %s %s: %v", lang, k, err))
			}
			plurals[lang][k] = forms
		}
	}
}

// parsePlural reads "form:text|form:text".
func parsePlural(s string) (map[plural.Form]string, error) {
	out := map[plural.Form]string{}
	for _, part := range strings.Split(s, "|") {
		name, text, ok := strings.Cut(part, ":")
		f, known := pluralForms[name]
		if !ok || !known {
			return nil, fmt.Errorf("%q is not form:text", part)
		}
		out[f] = text
	}
	if _, ok := out[plural.Other]; !ok {
		return nil, fmt.Errorf("no other form")
	}
	return out, nil
}
