"""The email a customer gets when a policy step runs: the invoice, the amount, the step and the next step."""

from __future__ import annotations

from typing import Any

from cspdesk.jobs.email import RenderedEmail, render_email
from cspdesk.kit.money import format_money
from cspdesk.models.billing import Invoice
from cspdesk.models.customer import Customer
from cspdesk.policy.timeline import Timeline
from cspdesk.policy.wording import describe_customer_status, format_day

_HEADINGS: dict[str, dict[str, str]] = {
    "en": {
        "reminder": "Payment reminder: invoice {number}",
        "late_fee": "Late fee added: invoice {number}",
        "suspension_warning": "Services will be suspended: invoice {number}",
        "suspend": "Services suspended: invoice {number}",
        "terminate": "Subscriptions ending: invoice {number}",
    },
    "ru": {
        "reminder": "Напоминание об оплате: счёт {number}",
        "late_fee": "Начислена пеня: счёт {number}",
        "suspension_warning": "Сервисы будут приостановлены: счёт {number}",
        "suspend": "Сервисы приостановлены: счёт {number}",
        "terminate": "Подписки прекращаются: счёт {number}",
    },
}
_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "invoice": "Invoice",
        "amount": "Amount due",
        "due": "Due date",
        "step": "Policy step",
        "next": "Next step",
        "next_on": "{step} on {date}",
        "last": "none: this was the last step",
    },
    "ru": {
        "invoice": "Счёт",
        "amount": "К оплате",
        "due": "Срок оплаты",
        "step": "Шаг политики",
        "next": "Следующий шаг",
        "next_on": "{step}: {date}",
        "last": "нет: это был последний шаг",
    },
}
_STEP_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "reminder": "payment reminder",
        "late_fee": "late fee",
        "suspension_warning": "suspension warning",
        "suspend": "suspension of services",
        "terminate": "termination of subscriptions",
    },
    "ru": {
        "reminder": "напоминание об оплате",
        "late_fee": "пеня за просрочку",
        "suspension_warning": "предупреждение о приостановке",
        "suspend": "приостановка сервисов",
        "terminate": "прекращение подписок",
    },
}


def compose_notice(
    customer: Customer, invoice: Invoice, timeline: Timeline, step_key: str, action: str, base_url: str
) -> RenderedEmail | None:
    """The rendered notice in the customer's language, or None when the customer has no billing contact."""
    recipients = [contact.email for contact in customer.contacts if contact.email]
    if not recipients:
        return None
    lang = customer.language if customer.language in _HEADINGS else "en"
    number = invoice.number or invoice.label
    labels = _LABELS[lang]
    context: dict[str, Any] = {
        "heading": _HEADINGS[lang][action].format(number=number),
        "paragraphs": [describe_customer_status(timeline, number, lang)],
        "facts": [
            (labels["invoice"], number),
            (labels["amount"], format_money(timeline.invoice.outstanding_minor, invoice.currency, lang)),
            (labels["due"], timeline.invoice.due_date.isoformat()),
            (labels["step"], _STEP_NAMES[lang][action]),
            (labels["next"], _next_step(timeline, lang)),
        ],
        "action_url": f"{base_url.rstrip('/')}/portal/dunning",
    }
    text, html = render_email("notice", lang, context)
    return RenderedEmail(to=recipients, subject=context["heading"], text=text, html=html)


def _next_step(timeline: Timeline, lang: str) -> str:
    """The next dated step in words with its day (a step already due runs today at the earliest)."""
    dated = sorted(
        (max(entry.runs_on, timeline.today), index, entry.step.action)
        for index, entry in enumerate(timeline.pending_steps)
        if entry.runs_on is not None
    )
    if not dated:
        return _LABELS[lang]["last"]
    day, _, action = dated[0]
    return _LABELS[lang]["next_on"].format(step=_STEP_NAMES[lang][action], date=format_day(day, lang))
