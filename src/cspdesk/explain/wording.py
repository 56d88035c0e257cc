"""The words of an explanation in English and Russian, filled only from computed facts (never invented).

Phrases live here rather than in the gettext catalog because each sentence is assembled from facts and Russian
needs its own sentence shapes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

from cspdesk.explain.model import Cause, Comparison, Detail, Explanation, LineExplanation
from cspdesk.kit.money import format_money

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "summary": "Invoice {label} for {period}: total {total} (subtotal {subtotal}, tax {tax}).",
        "compare": "Compared with invoice {label} for {period} ({total}), the total changed by {difference}.",
        "no_previous": "There is no earlier invoice of this customer to compare with.",
        "line": "{what}: {amount}.",
        "subscription": "Subscription {value}.",
        "period": "Period {start} – {end}.",
        "quantity": "{quantity} × {unit_price}.",
        "proration": "Prorated: {billable} of {cycle} days of the billing cycle.",
        "list_price": "Microsoft list price {price} {currency} per unit.",
        "effective_price": "Price after discounts and credits {price} {currency} per unit.",
        "promotions": "Promotion {value}.",
        "credit_reason": "Reason: {value}.",
        "ms_rate": "Exchange rate {source} → {target}: {rate}.",
        "invoice_rate": "Converted from {source} at {rate}.",
        "tax": "Tax {rate} %: {tax}.",
        "no_tax": "No tax.",
        "pec": "Includes the partner earned credit discount.",
        "azure_credit": "Azure credits were applied.",
        "usage_part": "{category}: {amount}",
        "cause": "{label}{subject}: {amount}.",
        "seats": "Seats {before} → {after}.",
        "seats_prorated": "{seats} seats changed, prorated {billable} of {cycle} days.",
        "frequency": "Billing {before} → {after}.",
        "rate_change": "Exchange rate {before} → {after}.",
        "list_change": "List price {before} → {after} {currency}.",
        "promotion_ended": "Promotion {value} ended.",
        "refund": "Includes a refund of {amount}.",
        "usage_change": "Azure usage {before} → {after}.",
        "tax_change": "Tax {before} → {after}.",
        "annual": "Charged once per {frequency} term: not repeated on this invoice.",
        "unattributed": "This part of the difference cannot be traced to a single cause; it is shown, not hidden.",
        "approximate": "approximately, at your prices",
    },
    "ru": {
        "summary": "Счёт {label} за {period}: итого {total} (без налога {subtotal}, налог {tax}).",
        "compare": "По сравнению со счётом {label} за {period} ({total}) итог изменился на {difference}.",
        "no_previous": "Более раннего счёта этого клиента для сравнения нет.",
        "line": "{what}: {amount}.",
        "subscription": "Подписка {value}.",
        "period": "Период {start} – {end}.",
        "quantity": "{quantity} × {unit_price}.",
        "proration": "Пропорционально: {billable} из {cycle} дн. расчётного цикла.",
        "list_price": "Прейскурантная цена Microsoft {price} {currency} за единицу.",
        "effective_price": "Цена после скидок и кредитов {price} {currency} за единицу.",
        "promotions": "Акция {value}.",
        "credit_reason": "Основание: {value}.",
        "ms_rate": "Курс {source} → {target}: {rate}.",
        "invoice_rate": "Пересчитано из {source} по курсу {rate}.",
        "tax": "Налог {rate} %: {tax}.",
        "no_tax": "Без налога.",
        "pec": "Включает скидку партнёрского кредита (PEC).",
        "azure_credit": "Применены кредиты Azure.",
        "usage_part": "{category}: {amount}",
        "cause": "{label}{subject}: {amount}.",
        "seats": "Лицензий {before} → {after}.",
        "seats_prorated": "Изменено лицензий: {seats}, пропорционально {billable} из {cycle} дн.",
        "frequency": "Оплата {before} → {after}.",
        "rate_change": "Курс {before} → {after}.",
        "list_change": "Прейскурантная цена {before} → {after} {currency}.",
        "promotion_ended": "Акция {value} закончилась.",
        "refund": "Включает возврат {amount}.",
        "usage_change": "Потребление Azure {before} → {after}.",
        "tax_change": "Налог {before} → {after}.",
        "annual": "Списывается один раз за срок ({frequency}): в этом счёте не повторяется.",
        "unattributed": "Эту часть разницы нельзя отнести к одной причине; она показана, а не скрыта.",
        "approximate": "приблизительно, по вашим ценам",
    },
}

CAUSE_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "new_subscription": "New subscription",
        "cancelled_subscription": "Cancelled subscription",
        "seats": "Seats added or removed",
        "renewal_term": "Renewal or term change",
        "billing_plan": "Billing plan change",
        "price_list": "List price change",
        "price_promotion": "Promotion or discount change",
        "price_exchange_rate": "Exchange rate change",
        "price_rule": "Partner price change",
        "azure_usage": "Azure usage change",
        "one_time": "One-time purchases",
        "credits_refunds": "Credits and refunds",
        "late_fees": "Late fees",
        "recurring_charges": "Support plan and recurring charges",
        "tax": "Tax",
        "unattributed": "Not attributable",
    },
    "ru": {
        "new_subscription": "Новая подписка",
        "cancelled_subscription": "Отменённая подписка",
        "seats": "Добавлены или убраны лицензии",
        "renewal_term": "Продление или смена срока",
        "billing_plan": "Смена плана оплаты",
        "price_list": "Изменение прейскурантной цены",
        "price_promotion": "Изменение акции или скидки",
        "price_exchange_rate": "Изменение валютного курса",
        "price_rule": "Изменение цены партнёра",
        "azure_usage": "Изменение потребления Azure",
        "one_time": "Разовые покупки",
        "credits_refunds": "Кредиты и возвраты",
        "late_fees": "Пени за просрочку",
        "recurring_charges": "План поддержки и регулярные услуги",
        "tax": "Налог",
        "unattributed": "Не относится к отдельной причине",
    },
}

CHARGE_TYPES: dict[str, dict[str, str]] = {
    "en": {
        "new": "new purchase",
        "renew": "renewal",
        "cyclecharge": "recurring charge",
        "addquantity": "seats added",
        "removequantity": "seats removed",
        "movequantity": "seats moved",
        "cancelimmediate": "cancellation refund",
        "convert": "conversion",
        "changebillingplan": "billing plan change",
        "customercredit": "credit",
        "extendterm": "term extension",
    },
    "ru": {
        "new": "новая покупка",
        "renew": "продление",
        "cyclecharge": "регулярное начисление",
        "addquantity": "добавление лицензий",
        "removequantity": "уменьшение числа лицензий",
        "movequantity": "перенос лицензий",
        "cancelimmediate": "возврат при отмене",
        "convert": "смена продукта",
        "changebillingplan": "смена плана оплаты",
        "customercredit": "кредит",
        "extendterm": "продление срока",
    },
}


class Words:
    """Formatting in one language: money, signed money, dates, numbers and phrases."""

    def __init__(self, lang: str, currency: str) -> None:
        self.lang = lang if lang in PHRASES else "en"
        self.currency = currency

    def say(self, key: str, **values: object) -> str:
        return PHRASES[self.lang][key].format(**values)

    def money(self, minor: int) -> str:
        return format_money(minor, self.currency, self.lang)

    def signed(self, minor: int) -> str:
        sign = "+" if minor > 0 else "−" if minor < 0 else ""
        return sign + self.money(abs(minor))

    def number(self, text: str) -> str:
        return str(format_decimal(Decimal(text), format="#,##0.##########", locale=self.lang))

    def day(self, iso: str) -> str:
        # Russian "medium" dates end in "г.", which would double the sentence's full stop.
        pattern = "d MMMM y" if self.lang == "ru" else "medium"
        return str(format_date(date.fromisoformat(iso), pattern, locale=self.lang))

    def charge(self, charge_type: str) -> str:
        return CHARGE_TYPES[self.lang].get(charge_type, charge_type)

    def label(self, kind: str) -> str:
        return CAUSE_LABELS[self.lang][kind]


def line_text(item: LineExplanation, w: Words) -> str:
    f = item.facts
    what = item.description
    if "product" in f:
        what = f"{f['product']} ({w.charge(f['charge_type'])})"
    elif "entitlement" in f:
        what = f"Azure · {f['entitlement']}"
    parts = [w.say("line", what=what, amount=w.money(item.amount_minor))]
    parts += _line_details(item, w)
    return " ".join(parts)


def _line_details(item: LineExplanation, w: Words) -> list[str]:
    f = item.facts
    parts = []
    if f.get("subscription"):
        parts.append(w.say("subscription", value=f["subscription"]))
    if "period_start" in f and "period_end" in f:
        parts.append(w.say("period", start=w.day(f["period_start"]), end=w.day(f["period_end"])))
    if item.kind not in ("usage", "usage_breakdown"):
        unit = w.money(_minor_of(f["unit_price"], w))
        parts.append(w.say("quantity", quantity=w.number(f["quantity"]), unit_price=unit))
    if "billable_days" in f:
        parts.append(w.say("proration", billable=f["billable_days"], cycle=f["cycle_days"]))
    parts += _price_details(f, w)
    if item.parts:
        parts.append("; ".join(w.say("usage_part", category=p.description, amount=w.money(p.amount_minor))
                               for p in item.parts) + ".")  # fmt: skip
    if item.kind != "usage_breakdown":
        tax = w.say("tax", rate=w.number(f["tax_rate"]), tax=w.money(item.tax_minor))
        parts.append(tax if item.tax_minor or f["tax_rate"] != "0" else w.say("no_tax"))
    return parts


def _minor_of(text: str, w: Words) -> int:
    from cspdesk.kit.money import to_minor

    return to_minor(Decimal(text), w.currency)


def _price_details(f: dict[str, str], w: Words) -> list[str]:
    parts = []
    if "list_price" in f:
        parts.append(w.say("list_price", price=w.number(f["list_price"]), currency=f["pricing_currency"]))
    if "effective_price" in f:
        parts.append(w.say("effective_price", price=w.number(f["effective_price"]), currency=f["pricing_currency"]))
    for key in ("promotions", "credit_reason"):
        if key in f:
            parts.append(w.say(key, value=f[key]))
    if "ms_rate" in f:
        parts.append(w.say("ms_rate", source=f["pricing_currency"], target=f["billing_currency"], rate=f["ms_rate"]))
    if "invoice_rate" in f:
        parts.append(w.say("invoice_rate", source=f["invoice_rate_from"], rate=f["invoice_rate"]))
    for key in ("pec", "azure_credit"):
        if key in f:
            parts.append(w.say(key))
    return parts


def cause_text(cause: Cause, w: Words) -> str:
    subject = f" — {cause.subject}" if cause.subject and cause.kind not in ("tax", "azure_usage") else ""
    head = w.say("cause", label=w.label(cause.kind), subject=subject, amount=w.signed(cause.amount_minor))
    return " ".join([head, *_cause_details(cause, w)])


def _cause_details(cause: Cause, w: Words) -> list[str]:
    f, kind = cause.facts, cause.kind
    parts = []
    if kind == "seats" and "quantity_before" in f and "quantity_after" in f:
        parts.append(w.say("seats", before=w.number(f["quantity_before"]), after=w.number(f["quantity_after"])))
    if kind == "seats" and f.get("seats_changed", "0") != "0" and "billable_days" in f:
        parts.append(w.say("seats_prorated", seats=f["seats_changed"], billable=f["billable_days"],
                           cycle=f["cycle_days"]))  # fmt: skip
    if kind == "billing_plan":
        parts.append(w.say("frequency", before=f.get("frequency_before") or "—", after=f.get("frequency_after") or "—"))
    if kind == "price_exchange_rate" and "rate_before" in f:
        parts.append(w.say("rate_change", before=f["rate_before"], after=f.get("rate_after", "—")))
    if kind == "price_list" and "list_price_before" in f:
        before, after = w.number(f["list_price_before"]), w.number(f.get("list_price_after", "0"))
        parts.append(w.say("list_change", before=before, after=after, currency=f["pricing_currency_before"]))
    if kind == "price_promotion":
        ended = sorted(set(_split(f.get("promotions_before"))) - set(_split(f.get("promotions_after"))))
        parts += [w.say("promotion_ended", value=p) for p in ended]
    parts += _cause_amounts(cause, w)
    return parts


def _cause_amounts(cause: Cause, w: Words) -> list[str]:
    f, kind = cause.facts, cause.kind
    parts = []
    if kind == "cancelled_subscription" and int(f.get("refund_minor", "0")):
        parts.append(w.say("refund", amount=w.money(int(f["refund_minor"]))))
    if kind == "renewal_term" and f.get("frequency_before") in ("annual", "triennial") and "quantity_after" not in f:
        parts.append(w.say("annual", frequency=f["frequency_before"]))
    if kind == "azure_usage":
        parts.append(
            w.say("usage_change", before=w.money(int(f["before_minor"])), after=w.money(int(f["after_minor"])))
        )
    if kind == "tax":
        parts.append(w.say("tax_change", before=w.money(int(f["before_minor"])), after=w.money(int(f["after_minor"]))))
    if kind == "unattributed":
        parts.append(w.say("unattributed"))
    return parts


def _split(text: str | None) -> list[str]:
    return [x for x in (text or "").split(",") if x]


def detail_text(detail: Detail, w: Words) -> str:
    suffix = f" ({w.say('approximate')})" if detail.approximate else ""
    return f"{detail.name}: {w.money(detail.previous_minor)} → {w.money(detail.current_minor)}{suffix}"


def comparison_text(comparison: Comparison, explanation: Explanation, w: Words) -> str:
    head = w.say(
        "compare",
        label=comparison.previous_label,
        period=comparison.previous_period,
        total=w.money(comparison.previous_total_minor),
        difference=w.signed(comparison.difference_minor),
    )
    return "\n".join([head, *(f"- {c.text}" for c in comparison.causes)])


def explanation_text(explanation: Explanation, w: Words) -> str:
    """The whole explanation as plain text: summary, one line per invoice line, then the causes."""
    head = w.say(
        "summary",
        label=explanation.label,
        period=explanation.period,
        total=w.money(explanation.total_minor),
        subtotal=w.money(explanation.subtotal_minor),
        tax=w.money(explanation.tax_minor),
    )
    lines = [f"{i}. {item.text}" for i, item in enumerate(explanation.lines, start=1)]
    tail = comparison_text(explanation.comparison, explanation, w) if explanation.comparison else w.say("no_previous")
    return "\n".join([head, *lines, "", tail])
