"""Customer-facing words for a payment policy and for where an invoice stands, in English and Russian.

Every sentence is derived from the policy model or the timeline, so the published page cannot drift from the
rules the engine runs. The phrases live here rather than in the gettext catalogs because Russian needs its own
sentence shapes and plural forms for each rule, not a word-for-word translation of the English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_percent

from cspdesk.kit import validation
from cspdesk.kit.money import format_money, to_minor
from cspdesk.models.subscription import ProductFamily
from cspdesk.policy.document import (
    DisputeHandling,
    FullPaymentAction,
    LateFeeDestination,
    LateFeeStep,
    PolicyDocument,
    ReminderStep,
    Step,
    SuspendStep,
    SuspensionWarningStep,
    TerminateMode,
    TerminateStep,
    amount_in,
)
from cspdesk.policy.timeline import HoldReason, Timeline


@dataclass(frozen=True)
class PolicySection:
    key: str
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class RenderedPolicy:
    title: str
    language: str
    currency: str
    sections: tuple[PolicySection, ...]

    def section(self, key: str) -> PolicySection | None:
        return next((section for section in self.sections if section.key == key), None)


@dataclass(frozen=True)
class _Words:
    day_forms: Mapping[str, str]
    date_format: str
    families: Mapping[ProductFamily, str]
    titles: Mapping[str, str]
    payment_terms: str
    payment_terms_same_day: str
    business_days: str
    before_due: str
    on_due: str
    after_due: str
    reminder: str
    late_fee_once: str
    late_fee_repeating: str
    at_least: str
    warning: str
    suspend: str
    terminate: Mapping[TerminateMode, str]
    notice: str
    late_fee_destination: Mapping[LateFeeDestination, str]
    minimum_with_reminders: str
    minimum_without_reminders: str
    suspension_scope: str
    suspension_scope_all: str
    termination_detail: Mapping[TerminateMode, str]
    restoring: Mapping[FullPaymentAction, str]
    disputes: Mapping[DisputeHandling, str]
    promises: Mapping[bool, str]
    invoice_paid: str
    invoice_due_on: str
    invoice_due_today: str
    invoice_overdue: str
    done: Mapping[str, str]
    terminated: Mapping[TerminateMode, str]
    coming: Mapping[str, str]
    terminating: Mapping[TerminateMode, str]
    held: Mapping[HoldReason, str]


_ENGLISH = _Words(
    day_forms={"one": "day", "other": "days"},
    date_format="d MMM",
    families={
        ProductFamily.AZURE_PLAN: "Azure",
        ProductFamily.MICROSOFT_365: "Microsoft 365",
        ProductFamily.DYNAMICS_365: "Dynamics 365",
        ProductFamily.SOFTWARE: "software",
        ProductFamily.MARKETPLACE: "Marketplace",
        ProductFamily.OTHER: "other",
    },
    titles={
        "payment_terms": "Payment terms",
        "steps": "If an invoice is not paid on time",
        "minimum": "Small overdue amounts",
        "suspension": "What can be suspended",
        "termination": "What ends the service",
        "restoring": "How to get services back",
        "exemptions": "Disputes and promises to pay",
    },
    payment_terms="Invoices are due {days} after the invoice date.",
    payment_terms_same_day="Invoices are due on the invoice date.",
    business_days="When a step falls on a Saturday or Sunday, it is taken on the following Monday.",
    before_due="{days} before the due date",
    on_due="on the due date",
    after_due="{days} after the due date",
    reminder="{when} we send a reminder.",
    late_fee_once="{when} a late fee of {percent} of the overdue amount{minimum} is added once.",
    late_fee_repeating=(
        "{when} a late fee of {percent} of the overdue amount{minimum} is added, "
        "and again every {days} until the invoice is paid."
    ),
    at_least=", at least {money},",
    warning="{when} we warn you that {families} services will be suspended.",
    suspend="{when} we suspend {families} services.",
    terminate={
        TerminateMode.DISABLE_AUTO_RENEW_AND_CANCEL_WHEN_ALLOWED: (
            "{when} we turn off auto-renewal of your subscriptions and cancel those that can still be cancelled."
        ),
        TerminateMode.DISABLE_AUTO_RENEW: "{when} we turn off auto-renewal of your subscriptions.",
    },
    notice="We send you a notice when this happens.",
    late_fee_destination={
        LateFeeDestination.SEPARATE_INVOICE: "Late fees are billed on a separate invoice.",
        LateFeeDestination.NEXT_RUN: "Late fees are added to your next invoice.",
    },
    minimum_with_reminders=(
        "If less than {money} is overdue, we only send reminders and take none of the other steps."
    ),
    minimum_without_reminders="If less than {money} is overdue, we take none of these steps.",
    suspension_scope="Suspension applies to {families} services only.",
    suspension_scope_all="Suspension applies to all services.",
    termination_detail={
        TerminateMode.DISABLE_AUTO_RENEW_AND_CANCEL_WHEN_ALLOWED: (
            "Subscriptions that can no longer be cancelled are not renewed and end at the end of their current term."
        ),
        TerminateMode.DISABLE_AUTO_RENEW: "Subscriptions are not renewed and end at the end of their current term.",
    },
    restoring={
        FullPaymentAction.REACTIVATE: (
            "When the overdue amount is paid in full, we reactivate the services suspended under these terms."
        ),
        FullPaymentAction.REVIEW: (
            "When the overdue amount is paid in full, our staff review your account and then reactivate "
            "the services suspended under these terms."
        ),
    },
    disputes={
        DisputeHandling.PAUSE: "While an invoice is disputed, none of these steps are taken for it.",
        DisputeHandling.IGNORE: "Disputing an invoice does not stop these steps.",
    },
    promises={
        True: "If we record your promise to pay by a certain date, the steps wait until that date.",
        False: "A promise to pay does not stop these steps.",
    },
    invoice_paid="Invoice {number} is paid.",
    invoice_due_on="Invoice {number} is due on {date}.",
    invoice_due_today="Invoice {number} is due today.",
    invoice_overdue="Invoice {number} is {days} overdue.",
    done={
        "reminder": "A reminder was sent on {date}.",
        "late_fee": "A late fee of {percent} was added on {date}.",
        "suspension_warning": "A suspension warning was sent on {date}.",
        "suspend": "{families} services were suspended on {date}.",
    },
    terminated={
        TerminateMode.DISABLE_AUTO_RENEW_AND_CANCEL_WHEN_ALLOWED: (
            "Auto-renewal of your subscriptions was turned off on {date}, "
            "and those that could still be cancelled were cancelled."
        ),
        TerminateMode.DISABLE_AUTO_RENEW: "Auto-renewal of your subscriptions was turned off on {date}.",
    },
    coming={
        "reminder": "A reminder will be sent on {date}.",
        "late_fee": "A late fee of {percent} applies on {date}.",
        "suspension_warning": "A suspension warning will be sent on {date}.",
        "suspend": "{families} services will be suspended on {date} unless it is paid.",
    },
    terminating={
        TerminateMode.DISABLE_AUTO_RENEW_AND_CANCEL_WHEN_ALLOWED: (
            "Auto-renewal of your subscriptions will be turned off on {date}, "
            "and those that can still be cancelled will be cancelled, unless it is paid."
        ),
        TerminateMode.DISABLE_AUTO_RENEW: (
            "Auto-renewal of your subscriptions will be turned off on {date} unless it is paid."
        ),
    },
    held={
        HoldReason.BELOW_MINIMUM: "As less than {money} is owed, only reminders are sent.",
        HoldReason.DISPUTED: "No further steps are taken while the invoice is disputed.",
        HoldReason.PROMISE_TO_PAY: "Further steps wait until {date}, the date by which payment was promised.",
        HoldReason.EXEMPT: "Further steps wait until {date}.",
    },
)

_RUSSIAN = _Words(
    day_forms={"one": "день", "few": "дня", "many": "дней", "other": "дня"},
    date_format="d MMMM",
    families={
        ProductFamily.AZURE_PLAN: "Azure",
        ProductFamily.MICROSOFT_365: "Microsoft 365",
        ProductFamily.DYNAMICS_365: "Dynamics 365",
        ProductFamily.SOFTWARE: "программное обеспечение",
        ProductFamily.MARKETPLACE: "Marketplace",
        ProductFamily.OTHER: "прочие",
    },
    titles={
        "payment_terms": "Условия оплаты",
        "steps": "Если счёт не оплачен вовремя",
        "minimum": "Небольшие суммы",
        "suspension": "Что может быть приостановлено",
        "termination": "Что прекращает обслуживание",
        "restoring": "Как возобновить сервисы",
        "exemptions": "Споры и обещания оплаты",
    },
    payment_terms="Срок оплаты счёта — {days} с даты счёта.",
    payment_terms_same_day="Счёт нужно оплатить в день его выставления.",
    business_days="Если шаг приходится на субботу или воскресенье, он выполняется в следующий понедельник.",
    before_due="за {days} до срока оплаты",
    on_due="в день срока оплаты",
    after_due="через {days} после срока оплаты",
    reminder="{when} мы отправляем напоминание.",
    late_fee_once="{when} однократно начисляется пеня {percent} от просроченной суммы{minimum}.",
    late_fee_repeating=(
        "{when} начисляется пеня {percent} от просроченной суммы{minimum}, "
        "затем повторно раз в {days}, пока счёт не оплачен."
    ),
    at_least=", но не менее {money}",
    warning="{when} мы предупреждаем, что будут приостановлены сервисы: {families}.",
    suspend="{when} мы приостанавливаем сервисы: {families}.",
    terminate={
        TerminateMode.DISABLE_AUTO_RENEW_AND_CANCEL_WHEN_ALLOWED: (
            "{when} мы отключаем автопродление подписок и отменяем подписки, которые ещё можно отменить."
        ),
        TerminateMode.DISABLE_AUTO_RENEW: "{when} мы отключаем автопродление подписок.",
    },
    notice="Об этом мы отправляем уведомление.",
    late_fee_destination={
        LateFeeDestination.SEPARATE_INVOICE: "Пени выставляются отдельным счётом.",
        LateFeeDestination.NEXT_RUN: "Пени включаются в ваш следующий счёт.",
    },
    minimum_with_reminders=(
        "Если просрочено меньше {money}, мы только отправляем напоминания, а остальные шаги не выполняем."
    ),
    minimum_without_reminders="Если просрочено меньше {money}, мы не выполняем ни один из этих шагов.",
    suspension_scope="Приостановка касается только сервисов: {families}.",
    suspension_scope_all="Приостановка касается всех сервисов.",
    termination_detail={
        TerminateMode.DISABLE_AUTO_RENEW_AND_CANCEL_WHEN_ALLOWED: (
            "Подписки, которые уже нельзя отменить, не продлеваются и заканчиваются в конце текущего срока."
        ),
        TerminateMode.DISABLE_AUTO_RENEW: "Подписки не продлеваются и заканчиваются в конце текущего срока.",
    },
    restoring={
        FullPaymentAction.REACTIVATE: (
            "После полной оплаты просроченной суммы мы возобновляем сервисы, приостановленные по этим условиям."
        ),
        FullPaymentAction.REVIEW: (
            "После полной оплаты просроченной суммы наши сотрудники проверяют вашу учётную запись "
            "и возобновляют сервисы, приостановленные по этим условиям."
        ),
    },
    disputes={
        DisputeHandling.PAUSE: "Пока счёт оспаривается, по нему не выполняется ни один из этих шагов.",
        DisputeHandling.IGNORE: "Спор по счёту не останавливает эти шаги.",
    },
    promises={
        True: "Если мы зафиксировали ваше обещание оплатить счёт к определённой дате, шаги ждут до этой даты.",
        False: "Обещание оплатить не останавливает эти шаги.",
    },
    invoice_paid="Счёт {number} оплачен.",
    invoice_due_on="Срок оплаты счёта {number} — {date}.",
    invoice_due_today="Срок оплаты счёта {number} — сегодня.",
    invoice_overdue="Счёт {number} просрочен на {days}.",
    done={
        "reminder": "{date} отправлено напоминание.",
        "late_fee": "{date} начислена пеня {percent}.",
        "suspension_warning": "{date} отправлено предупреждение о приостановке.",
        "suspend": "{date} приостановлены сервисы: {families}.",
    },
    terminated={
        TerminateMode.DISABLE_AUTO_RENEW_AND_CANCEL_WHEN_ALLOWED: (
            "{date} отключено автопродление подписок и отменены подписки, которые ещё можно было отменить."
        ),
        TerminateMode.DISABLE_AUTO_RENEW: "{date} отключено автопродление подписок.",
    },
    coming={
        "reminder": "{date} будет отправлено напоминание.",
        "late_fee": "{date} начисляется пеня {percent}.",
        "suspension_warning": "{date} будет отправлено предупреждение о приостановке.",
        "suspend": "Если счёт не будет оплачен, {date} будут приостановлены сервисы: {families}.",
    },
    terminating={
        TerminateMode.DISABLE_AUTO_RENEW_AND_CANCEL_WHEN_ALLOWED: (
            "Если счёт не будет оплачен, {date} будет отключено автопродление подписок "
            "и отменены подписки, которые ещё можно отменить."
        ),
        TerminateMode.DISABLE_AUTO_RENEW: "Если счёт не будет оплачен, {date} будет отключено автопродление подписок.",
    },
    held={
        HoldReason.BELOW_MINIMUM: "Поскольку сумма долга меньше {money}, мы только отправляем напоминания.",
        HoldReason.DISPUTED: "Пока счёт оспаривается, дальнейшие шаги не выполняются.",
        HoldReason.PROMISE_TO_PAY: "Дальнейшие шаги отложены до {date} — даты, к которой обещана оплата.",
        HoldReason.EXEMPT: "Дальнейшие шаги отложены до {date}.",
    },
)

_WORDS = {"en": _ENGLISH, "ru": _RUSSIAN}


def format_days(count: int, lang: str) -> str:
    """A number of days with the noun in the language's plural form: 1 день, 2 дня, 5 дней, 21 день."""
    forms = _WORDS[validation.language(lang)].day_forms
    return f"{count} {forms[Locale(lang).plural_form(count)]}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class _Speaker:
    """Formats numbers, money, dates and lists the way the customer's language writes them."""

    language: str
    currency: str
    words: _Words

    @classmethod
    def for_language(cls, language: str, currency: str) -> _Speaker:
        language = validation.language(language)
        return cls(language, validation.currency(currency), _WORDS[language])

    def days(self, count: int) -> str:
        return format_days(count, self.language)

    def money(self, amount: Decimal | Mapping[str, Decimal]) -> str:
        minor = to_minor(amount_in(amount, self.currency), self.currency)
        return format_money(minor, self.currency, self.language)

    def percent(self, percent: Decimal) -> str:
        return str(format_percent(percent / 100, locale=self.language, decimal_quantization=False))

    def date(self, day: date) -> str:
        return str(format_date(day, self.words.date_format, locale=self.language))

    def families(self, families: Iterable[ProductFamily]) -> str:
        # "other" reads as "everything else", so it goes last whatever the document's order.
        ordered = sorted(families, key=lambda family: family is ProductFamily.OTHER)
        names = [self.words.families[family] for family in ordered]
        return str(format_list(names, locale=self.language))

    def when(self, offset: int) -> str:
        if offset < 0:
            return self.words.before_due.format(days=self.days(-offset))
        if offset == 0:
            return self.words.on_due
        return self.words.after_due.format(days=self.days(offset))


# ---- the policy page ---------------------------------------------------------------------------------------


def render_policy(doc: PolicyDocument, lang: str, currency: str) -> RenderedPolicy:
    """The customer-facing policy in `lang` with amounts in `currency`: every rule of the document in plain
    words, and nothing the document does not say."""
    speaker = _Speaker.for_language(lang, currency)
    builders = (
        _payment_terms_section,
        _steps_section,
        _minimum_section,
        _suspension_section,
        _termination_section,
        _restoring_section,
        _exemptions_section,
    )
    sections = [section for build in builders if (section := build(doc, speaker)) is not None]
    return RenderedPolicy(doc.name, speaker.language, speaker.currency, tuple(sections))


def _section(key: str, speaker: _Speaker, paragraphs: Iterable[str]) -> PolicySection | None:
    texts = tuple(paragraphs)
    return PolicySection(key, speaker.words.titles[key], texts) if texts else None


def _payment_terms_section(doc: PolicyDocument, speaker: _Speaker) -> PolicySection | None:
    days = doc.payment_terms_days
    terms = (
        speaker.words.payment_terms.format(days=speaker.days(days)) if days else speaker.words.payment_terms_same_day
    )
    return _section("payment_terms", speaker, [terms])


def _steps_section(doc: PolicyDocument, speaker: _Speaker) -> PolicySection | None:
    if not doc.steps:
        return None
    paragraphs = [_step_paragraph(step, doc, speaker) for step in doc.steps]
    if any(isinstance(step, LateFeeStep) for step in doc.steps):
        paragraphs.append(speaker.words.late_fee_destination[doc.late_fee_destination])
    if doc.business_days_only:
        paragraphs.append(speaker.words.business_days)
    return _section("steps", speaker, paragraphs)


def _step_paragraph(step: Step, doc: PolicyDocument, speaker: _Speaker) -> str:
    text = _sentence(_step_text(step, doc, speaker))
    announced = step.template is not None and not isinstance(step, ReminderStep | SuspensionWarningStep)
    return f"{text} {speaker.words.notice}" if announced else text


def _step_text(step: Step, doc: PolicyDocument, speaker: _Speaker) -> str:
    words, when = speaker.words, speaker.when(step.offset)
    if isinstance(step, ReminderStep):
        return words.reminder.format(when=when)
    if isinstance(step, LateFeeStep):
        return _late_fee_text(step, when, speaker)
    if isinstance(step, SuspensionWarningStep):
        return words.warning.format(when=when, families=speaker.families(_suspended_families(doc)))
    if isinstance(step, SuspendStep):
        return words.suspend.format(when=when, families=speaker.families(step.families))
    return words.terminate[step.mode].format(when=when)


def _late_fee_text(step: LateFeeStep, when: str, speaker: _Speaker) -> str:
    minimum_is_zero = amount_in(step.minimum, speaker.currency) == 0
    minimum = "" if minimum_is_zero else speaker.words.at_least.format(money=speaker.money(step.minimum))
    fields = {"when": when, "percent": speaker.percent(step.percent), "minimum": minimum}
    if step.repeat_every_days is None:
        return speaker.words.late_fee_once.format(**fields)
    return speaker.words.late_fee_repeating.format(**fields, days=speaker.days(step.repeat_every_days))


def _suspended_families(doc: PolicyDocument) -> list[ProductFamily]:
    families = [family for step in doc.steps if isinstance(step, SuspendStep) for family in step.families]
    return list(dict.fromkeys(families))


def _minimum_section(doc: PolicyDocument, speaker: _Speaker) -> PolicySection | None:
    escalates = any(not isinstance(step, ReminderStep) for step in doc.steps)
    if not escalates or amount_in(doc.minimum_overdue_amount, speaker.currency) == 0:
        return None
    has_reminders = any(isinstance(step, ReminderStep) for step in doc.steps)
    template = speaker.words.minimum_with_reminders if has_reminders else speaker.words.minimum_without_reminders
    return _section("minimum", speaker, [template.format(money=speaker.money(doc.minimum_overdue_amount))])


def _suspension_section(doc: PolicyDocument, speaker: _Speaker) -> PolicySection | None:
    families = _suspended_families(doc)
    if not families:
        return None
    if set(families) == set(ProductFamily):
        return _section("suspension", speaker, [speaker.words.suspension_scope_all])
    scope = speaker.words.suspension_scope.format(families=speaker.families(families))
    return _section("suspension", speaker, [scope])


def _termination_section(doc: PolicyDocument, speaker: _Speaker) -> PolicySection | None:
    modes = dict.fromkeys(step.mode for step in doc.steps if isinstance(step, TerminateStep))
    return _section("termination", speaker, [speaker.words.termination_detail[mode] for mode in modes])


def _restoring_section(doc: PolicyDocument, speaker: _Speaker) -> PolicySection | None:
    if not _suspended_families(doc):
        return None
    return _section("restoring", speaker, [speaker.words.restoring[doc.on_full_payment]])


def _exemptions_section(doc: PolicyDocument, speaker: _Speaker) -> PolicySection | None:
    words = speaker.words
    paragraphs = [
        words.disputes[doc.exemptions.disputed_invoices],
        words.promises[doc.exemptions.promise_to_pay],
    ]
    return _section("exemptions", speaker, paragraphs)


# ---- the customer's status line ----------------------------------------------------------------------------


def format_day(day: date, lang: str) -> str:
    """A day with its year, as the customer's language writes it in full (notices name exact days)."""
    return str(format_date(day, "long", locale=validation.language(lang)))


def describe_customer_status(timeline: Timeline, invoice_number: str, lang: str) -> str:
    """What the customer sees about one invoice: how overdue it is, the last step taken, anything holding the
    steps, the next step with its date and, once overdue, the suspension ahead if that is not the next step."""
    speaker = _Speaker.for_language(lang, timeline.invoice.currency)
    sentences = [_invoice_sentence(timeline, invoice_number, speaker)]
    if timeline.invoice.outstanding_minor <= 0:
        return sentences[0]
    sentences.extend(_last_done_sentences(timeline, speaker))
    sentences.extend(_hold_sentences(timeline, speaker))
    sentences.extend(_coming_sentences(timeline, speaker))
    return " ".join(sentences)


def _invoice_sentence(timeline: Timeline, number: str, speaker: _Speaker) -> str:
    words, due_date = speaker.words, timeline.invoice.due_date
    if timeline.invoice.outstanding_minor <= 0:
        return words.invoice_paid.format(number=number)
    if timeline.today < due_date:
        return words.invoice_due_on.format(number=number, date=speaker.date(due_date))
    if timeline.today == due_date:
        return words.invoice_due_today.format(number=number)
    return words.invoice_overdue.format(number=number, days=speaker.days(timeline.days_overdue))


def _last_done_sentences(timeline: Timeline, speaker: _Speaker) -> list[str]:
    # Timeline order breaks ties, so of a warning and a suspension done the same day the suspension is told.
    done = [(entry.runs_on, index, entry) for index, entry in enumerate(timeline.done_steps) if entry.runs_on]
    if not done:
        return []
    day, _, entry = max(done, key=lambda item: item[:2])
    return [_step_sentence(entry.step, day, speaker, speaker.words.done, speaker.words.terminated)]


def _coming_sentences(timeline: Timeline, speaker: _Speaker) -> list[str]:
    dated = [(max(entry.runs_on, timeline.today), entry) for entry in timeline.pending_steps if entry.runs_on]
    dated.sort(key=lambda pair: pair[0])
    if not dated:
        return []
    chosen = [dated[0]]
    suspension = next((pair for pair in dated if isinstance(pair[1].step, SuspendStep)), None)
    if suspension is not None and suspension is not dated[0] and timeline.days_overdue > 0:
        chosen.append(suspension)
    words = speaker.words
    return [_step_sentence(entry.step, day, speaker, words.coming, words.terminating) for day, entry in chosen]


def _step_sentence(
    step: Step,
    day: date,
    speaker: _Speaker,
    by_action: Mapping[str, str],
    by_terminate_mode: Mapping[TerminateMode, str],
) -> str:
    fields = {"date": speaker.date(day)}
    if isinstance(step, TerminateStep):
        return _sentence(by_terminate_mode[step.mode].format(**fields))
    if isinstance(step, LateFeeStep):
        fields["percent"] = speaker.percent(step.percent)
    if isinstance(step, SuspendStep):
        fields["families"] = speaker.families(step.families)
    return _sentence(by_action[step.action].format(**fields))


def _hold_sentences(timeline: Timeline, speaker: _Speaker) -> list[str]:
    holds = [entry.hold for entry in timeline.pending_steps if entry.hold is not None]
    if not holds:
        return []
    hold = holds[0]
    fields = {
        "money": speaker.money(timeline.policy.minimum_overdue_amount),
        "date": speaker.date(hold.until) if hold.until else "",
    }
    return [speaker.words.held[hold.reason].format(**fields)]
