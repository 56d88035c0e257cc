from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cspdesk.policy.document import DEFAULT_POLICY, PolicyDocument, parse_policy_yaml
from cspdesk.policy.timeline import Holds, InvoiceFacts, evaluate_timeline
from cspdesk.policy.wording import describe_customer_status, format_days, render_policy
from tests.policy.test_document import RICH

NBSP = "\xa0"


def sections_of(doc: PolicyDocument, lang: str, currency: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    rendered = render_policy(doc, lang, currency)
    return {section.key: (section.title, section.paragraphs) for section in rendered.sections}


def test_default_policy_in_english() -> None:
    rendered = render_policy(DEFAULT_POLICY, "en", "EUR")
    assert (rendered.title, rendered.language, rendered.currency) == ("Standard terms", "en", "EUR")
    assert sections_of(DEFAULT_POLICY, "en", "EUR") == {
        "payment_terms": ("Payment terms", ("Invoices are due 30 days after the invoice date.",)),
        "steps": (
            "If an invoice is not paid on time",
            (
                "7 days before the due date we send a reminder.",
                "1 day after the due date we send a reminder.",
                "7 days after the due date a late fee of 2% of the overdue amount, at least €5.00, is added once.",
                "12 days after the due date we warn you that Microsoft 365, Dynamics 365, and Azure services "
                "will be suspended.",
                "14 days after the due date we suspend Microsoft 365, Dynamics 365, and Azure services.",
                "45 days after the due date we turn off auto-renewal of your subscriptions "
                "and cancel those that can still be cancelled.",
                "Late fees are billed on a separate invoice.",
            ),
        ),
        "minimum": (
            "Small overdue amounts",
            ("If less than €10.00 is overdue, we only send reminders and take none of the other steps.",),
        ),
        "suspension": (
            "What can be suspended",
            ("Suspension applies to Microsoft 365, Dynamics 365, and Azure services only.",),
        ),
        "termination": (
            "What ends the service",
            (
                "Subscriptions that can no longer be cancelled are not renewed "
                "and end at the end of their current term.",
            ),
        ),
        "restoring": (
            "How to get services back",
            ("When the overdue amount is paid in full, we reactivate the services suspended under these terms.",),
        ),
        "exemptions": (
            "Disputes and promises to pay",
            (
                "While an invoice is disputed, none of these steps are taken for it.",
                "If we record your promise to pay by a certain date, the steps wait until that date.",
            ),
        ),
    }


def test_default_policy_in_russian() -> None:
    assert sections_of(DEFAULT_POLICY, "ru", "EUR") == {
        "payment_terms": ("Условия оплаты", ("Срок оплаты счёта — 30 дней с даты счёта.",)),
        "steps": (
            "Если счёт не оплачен вовремя",
            (
                "За 7 дней до срока оплаты мы отправляем напоминание.",
                "Через 1 день после срока оплаты мы отправляем напоминание.",
                f"Через 7 дней после срока оплаты однократно начисляется пеня 2{NBSP}% от просроченной суммы, "
                f"но не менее 5,00{NBSP}€.",
                "Через 12 дней после срока оплаты мы предупреждаем, что будут приостановлены сервисы: "
                "Microsoft 365, Dynamics 365 и Azure.",
                "Через 14 дней после срока оплаты мы приостанавливаем сервисы: Microsoft 365, Dynamics 365 и Azure.",
                "Через 45 дней после срока оплаты мы отключаем автопродление подписок и отменяем подписки, "
                "которые ещё можно отменить.",
                "Пени выставляются отдельным счётом.",
            ),
        ),
        "minimum": (
            "Небольшие суммы",
            (f"Если просрочено меньше 10,00{NBSP}€, мы только отправляем напоминания, а остальные шаги не выполняем.",),
        ),
        "suspension": (
            "Что может быть приостановлено",
            ("Приостановка касается только сервисов: Microsoft 365, Dynamics 365 и Azure.",),
        ),
        "termination": (
            "Что прекращает обслуживание",
            ("Подписки, которые уже нельзя отменить, не продлеваются и заканчиваются в конце текущего срока.",),
        ),
        "restoring": (
            "Как возобновить сервисы",
            ("После полной оплаты просроченной суммы мы возобновляем сервисы, приостановленные по этим условиям.",),
        ),
        "exemptions": (
            "Споры и обещания оплаты",
            (
                "Пока счёт оспаривается, по нему не выполняется ни один из этих шагов.",
                "Если мы зафиксировали ваше обещание оплатить счёт к определённой дате, шаги ждут до этой даты.",
            ),
        ),
    }


def test_every_other_rule_has_words_too() -> None:
    rendered = sections_of(parse_policy_yaml(RICH), "en", "JPY")
    assert rendered["steps"][1] == (
        "On the due date we send a reminder.",
        "10 days after the due date a late fee of 1.25% of the overdue amount is added, "
        "and again every 30 days until the invoice is paid. We send you a notice when this happens.",
        "20 days after the due date we warn you that software, Marketplace, Azure, and other services "
        "will be suspended.",
        "21 days after the due date we suspend software, Marketplace, and other services. "
        "We send you a notice when this happens.",
        "30 days after the due date we suspend Azure services.",
        "60 days after the due date we turn off auto-renewal of your subscriptions.",
        "Late fees are added to your next invoice.",
        "When a step falls on a Saturday or Sunday, it is taken on the following Monday.",
    )
    assert rendered["minimum"][1] == (
        "If less than ¥1,500 is overdue, we only send reminders and take none of the other steps.",
    )
    assert rendered["termination"][1] == ("Subscriptions are not renewed and end at the end of their current term.",)
    assert rendered["restoring"][1] == (
        "When the overdue amount is paid in full, our staff review your account and then reactivate "
        "the services suspended under these terms.",
    )
    assert rendered["exemptions"][1] == (
        "Disputing an invoice does not stop these steps.",
        "A promise to pay does not stop these steps.",
    )


def test_every_other_rule_has_russian_words_too() -> None:
    rendered = sections_of(parse_policy_yaml(RICH), "ru", "KWD")
    assert rendered["steps"][1][1:4] == (
        f"Через 10 дней после срока оплаты начисляется пеня 1,25{NBSP}% от просроченной суммы, "
        "затем повторно раз в 30 дней, пока счёт не оплачен. Об этом мы отправляем уведомление.",
        "Через 20 дней после срока оплаты мы предупреждаем, что будут приостановлены сервисы: "
        "программное обеспечение, Marketplace, Azure и прочие.",
        "Через 21 день после срока оплаты мы приостанавливаем сервисы: программное обеспечение, "
        "Marketplace и прочие. Об этом мы отправляем уведомление.",
    )
    assert rendered["minimum"][1] == (
        f"Если просрочено меньше 3,250{NBSP}KWD, мы только отправляем напоминания, а остальные шаги не выполняем.",
    )


def test_nothing_is_said_that_the_document_does_not_say() -> None:
    reminders_only = parse_policy_yaml(
        """\
name: Gentle
payment_terms_days: 0
minimum_overdue_amount: 10.00
steps:
  - {offset: 3, action: reminder, template: overdue}
"""
    )
    assert sections_of(reminders_only, "en", "EUR") == {
        "payment_terms": ("Payment terms", ("Invoices are due on the invoice date.",)),
        "steps": ("If an invoice is not paid on time", ("3 days after the due date we send a reminder.",)),
        "exemptions": (
            "Disputes and promises to pay",
            (
                "While an invoice is disputed, none of these steps are taken for it.",
                "If we record your promise to pay by a certain date, the steps wait until that date.",
            ),
        ),
    }


def test_amounts_without_a_currency_in_the_document_are_refused() -> None:
    per_currency = DEFAULT_POLICY.model_copy(update={"minimum_overdue_amount": {"EUR": Decimal("10.00")}})
    with pytest.raises(ValueError, match="the policy sets no amount for USD"):
        render_policy(per_currency, "en", "USD")


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language must be one of en, ru"):
        render_policy(DEFAULT_POLICY, "de", "EUR")


@pytest.mark.parametrize(
    ("count", "russian", "english"),
    [
        (0, "0 дней", "0 days"),
        (1, "1 день", "1 day"),
        (2, "2 дня", "2 days"),
        (4, "4 дня", "4 days"),
        (5, "5 дней", "5 days"),
        (11, "11 дней", "11 days"),
        (12, "12 дней", "12 days"),
        (14, "14 дней", "14 days"),
        (21, "21 день", "21 days"),
        (22, "22 дня", "22 days"),
        (25, "25 дней", "25 days"),
        (101, "101 день", "101 days"),
        (111, "111 дней", "111 days"),
    ],
)
def test_day_plurals(count: int, russian: str, english: str) -> None:
    assert format_days(count, "ru") == russian
    assert format_days(count, "en") == english


def test_russian_plurals_in_the_rendered_terms() -> None:
    for days, expected in [(1, "1 день"), (2, "2 дня"), (5, "5 дней"), (21, "21 день")]:
        doc = DEFAULT_POLICY.model_copy(update={"payment_terms_days": days})
        assert render_policy(doc, "ru", "RUB").sections[0].paragraphs == (
            f"Срок оплаты счёта — {expected} с даты счёта.",
        )


# ---- the customer's status line ----------------------------------------------------------------------------

EXAMPLE_POLICY = parse_policy_yaml(
    """\
name: Example
payment_terms_days: 14
minimum_overdue_amount: 10.00
steps:
  - {offset: 7, action: reminder, template: overdue_1}
  - {offset: 9, action: late_fee, percent: 2, minimum: 5.00}
  - {offset: 14, action: suspension_warning, template: suspension_warning}
  - {offset: 16, action: suspend, families: [microsoft_365, azure_plan]}
"""
)


def test_status_line_of_the_design_example() -> None:
    facts = InvoiceFacts(
        due_date=date(2026, 11, 26),
        outstanding_minor=50_000,
        currency="EUR",
        done={"7:reminder": date(2026, 12, 3)},
    )
    timeline = evaluate_timeline(EXAMPLE_POLICY, facts, date(2026, 12, 5))
    assert describe_customer_status(timeline, "INV-2026-000123", "en") == (
        "Invoice INV-2026-000123 is 9 days overdue. A reminder was sent on 3 Dec. A late fee of 2% applies "
        "on 5 Dec. Microsoft 365 and Azure services will be suspended on 12 Dec unless it is paid."
    )
    assert describe_customer_status(timeline, "INV-2026-000123", "ru") == (
        "Счёт INV-2026-000123 просрочен на 9 дней. 3 декабря отправлено напоминание. 5 декабря начисляется "
        f"пеня 2{NBSP}%. Если счёт не будет оплачен, 12 декабря будут приостановлены сервисы: Microsoft 365 и Azure."
    )


DUE = date(2026, 12, 1)
REMINDED = {"-7:reminder": date(2026, 11, 24), "1:reminder": date(2026, 12, 2)}


def status(
    lang: str, today: date, done: dict[str, date], outstanding: int = 100_000, holds: Holds | None = None
) -> str:
    facts = InvoiceFacts(DUE, outstanding, "EUR", holds or Holds(), done)
    return describe_customer_status(evaluate_timeline(DEFAULT_POLICY, facts, today), "INV-1", lang)


def test_status_before_the_due_date_names_it_and_the_next_step() -> None:
    assert status("en", date(2026, 11, 20), {}) == "Invoice INV-1 is due on 1 Dec. A reminder will be sent on 24 Nov."
    assert status("ru", date(2026, 11, 20), {}) == (
        "Срок оплаты счёта INV-1 — 1 декабря. 24 ноября будет отправлено напоминание."
    )


def test_status_on_the_due_date() -> None:
    done = {"-7:reminder": date(2026, 11, 24)}
    assert status("en", DUE, done) == (
        "Invoice INV-1 is due today. A reminder was sent on 24 Nov. A reminder will be sent on 2 Dec."
    )


def test_status_of_a_paid_invoice() -> None:
    assert status("en", date(2026, 12, 20), REMINDED, outstanding=0) == "Invoice INV-1 is paid."
    assert status("ru", date(2026, 12, 20), REMINDED, outstanding=0) == "Счёт INV-1 оплачен."


def test_status_while_disputed() -> None:
    holds = Holds(disputed=True)
    assert status("en", date(2026, 12, 9), REMINDED, holds=holds) == (
        "Invoice INV-1 is 8 days overdue. A reminder was sent on 2 Dec. "
        "No further steps are taken while the invoice is disputed."
    )
    assert status("ru", date(2026, 12, 9), REMINDED, holds=holds) == (
        "Счёт INV-1 просрочен на 8 дней. 2 декабря отправлено напоминание. "
        "Пока счёт оспаривается, дальнейшие шаги не выполняются."
    )


def test_status_under_a_promise_to_pay() -> None:
    holds = Holds(promise_to_pay_until=date(2026, 12, 10))
    assert status("en", date(2026, 12, 9), REMINDED, holds=holds) == (
        "Invoice INV-1 is 8 days overdue. A reminder was sent on 2 Dec. Further steps wait until 10 Dec, "
        "the date by which payment was promised. A late fee of 2% applies on 11 Dec. "
        "Microsoft 365, Dynamics 365, and Azure services will be suspended on 15 Dec unless it is paid."
    )
    assert status("ru", date(2026, 12, 9), REMINDED, holds=holds) == (
        "Счёт INV-1 просрочен на 8 дней. 2 декабря отправлено напоминание. Дальнейшие шаги отложены "
        f"до 10 декабря — даты, к которой обещана оплата. 11 декабря начисляется пеня 2{NBSP}%. "
        "Если счёт не будет оплачен, 15 декабря будут приостановлены сервисы: Microsoft 365, Dynamics 365 и Azure."
    )


def test_status_below_the_minimum() -> None:
    done = {"-7:reminder": date(2026, 11, 24)}
    assert status("en", date(2026, 12, 1), done, outstanding=999) == (
        "Invoice INV-1 is due today. A reminder was sent on 24 Nov. "
        "As less than €10.00 is owed, only reminders are sent. A reminder will be sent on 2 Dec."
    )
    assert status("ru", date(2026, 12, 1), done, outstanding=999) == (
        "Срок оплаты счёта INV-1 — сегодня. 24 ноября отправлено напоминание. "
        f"Поскольку сумма долга меньше 10,00{NBSP}€, мы только отправляем напоминания. "
        "2 декабря будет отправлено напоминание."
    )


def test_status_after_suspension_and_termination() -> None:
    suspended = {**REMINDED, "7:late_fee": date(2026, 12, 8), "14:suspend": date(2026, 12, 15)}
    assert status("en", date(2026, 12, 21), suspended) == (
        "Invoice INV-1 is 20 days overdue. Microsoft 365, Dynamics 365, and Azure services were suspended "
        "on 15 Dec. Auto-renewal of your subscriptions will be turned off on 15 Jan, and those that can still "
        "be cancelled will be cancelled, unless it is paid."
    )
    terminated = {**suspended, "45:terminate": date(2027, 1, 15)}
    assert status("ru", date(2027, 1, 20), terminated) == (
        "Счёт INV-1 просрочен на 50 дней. 15 января отключено автопродление подписок и отменены подписки, "
        "которые ещё можно было отменить."
    )


def test_status_tells_the_later_of_two_steps_done_the_same_day() -> None:
    same_day = date(2026, 12, 15)
    done = {**REMINDED, "7:late_fee": same_day, "12:suspension_warning": same_day, "14:suspend": same_day}
    assert status("en", date(2026, 12, 16), done).startswith(
        "Invoice INV-1 is 15 days overdue. Microsoft 365, Dynamics 365, and Azure services were suspended on 15 Dec."
    )
