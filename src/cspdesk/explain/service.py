"""Use cases: explain an invoice (line by line, and why it differs from another one), for the API, pages, CLI and
support tickets. Read-only and deterministic: nothing is stored, the same inputs give the same explanation."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any, Literal, cast

from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.billing import repository
from cspdesk.explain import facts as loading
from cspdesk.explain.difference import difference
from cspdesk.explain.lines import explain_lines
from cspdesk.explain.model import Cause, Comparison, Explanation, LineExplanation
from cspdesk.explain.usage import usage_causes
from cspdesk.explain.wording import Words, cause_text, comparison_text, detail_text, explanation_text, line_text
from cspdesk.kit.errors import NotFound, ValidationFailed, field_error
from cspdesk.kit.i18n import pick_language
from cspdesk.kit.storage import Storage
from cspdesk.models.billing import Invoice

CompareTo = Literal["previous"] | uuid.UUID | None
COST_KEYS = frozenset({"cost_minor", "margin_minor", "price_mode", "effective_price", "pec"})
CHART_LABELS = {"en": ("previous invoice", "this invoice"), "ru": ("предыдущий счёт", "этот счёт")}


def previous_invoice(session: Session, principal: Principal, invoice: Invoice) -> Invoice | None:
    """The customer's latest earlier invoice (not a credit note, not void, not a late-fee-only invoice)."""
    stmt = (
        repository.readable_invoices(principal)
        .where(
            Invoice.customer_id == invoice.customer_id,
            Invoice.kind == "invoice",
            Invoice.status != "void",
            Invoice.period < invoice.period,
            Invoice.id != invoice.id,
        )
        .order_by(Invoice.period.desc(), Invoice.issue_date.desc(), Invoice.number.desc(), Invoice.id)
    )
    candidates = cast(list[Invoice], list(session.execute(stmt).scalars()))
    for candidate in candidates:
        if not candidate.lines or any(line.kind != "late_fee" for line in candidate.lines):
            return candidate
    return None


def _other(session: Session, principal: Principal, invoice: Invoice, compare_to: CompareTo) -> Invoice | None:
    if compare_to is None:
        return None
    if compare_to == "previous":
        return previous_invoice(session, principal, invoice)
    assert isinstance(compare_to, uuid.UUID)
    other = repository.access_invoice(session, principal, compare_to)
    if other.customer_id != invoice.customer_id or other.currency != invoice.currency:
        message = "compare with an invoice of the same customer and currency"
        raise ValidationFailed(message, details=[field_error("compare_to", message)])
    return other


def explain_invoice(
    session: Session,
    principal: Principal,
    invoice_id: uuid.UUID,
    *,
    compare_to: CompareTo = "previous",
    lang: str | None = None,
    storage: Storage | None = None,
    include_cost: bool = True,
) -> Explanation:
    """Explain every line of an invoice and, unless compare_to is None, why its total differs from another one.

    Portal users get their own issued invoices only (others: 404) and never Microsoft cost or margin; staff see
    cost and margin per line and per cause only with margin:read.
    """
    invoice = repository.access_invoice(session, principal, invoice_id)
    show_cost = include_cost and principal.is_staff and principal.can(Permission.MARGIN_READ)
    language = pick_language(lang, invoice.language, principal.language)
    words = Words(language, invoice.currency)
    current = loading.load(session, invoice, storage)
    explanation = _skeleton(invoice, language, show_cost, explain_lines(current, show_cost))
    for item in explanation.lines:
        _word_line(item, words)
    other = _other(session, principal, invoice, compare_to)
    if other is not None:
        explanation.comparison = _compare(session, loading.load(session, other, storage), current, words)
        explanation.comparison.text = comparison_text(explanation.comparison, explanation, words)
    explanation.text = explanation_text(explanation, words)
    return explanation


def _word_line(item: LineExplanation, words: Words) -> None:
    item.text = line_text(item, words)
    for part in item.parts:
        part.text = line_text(part, words)


def _skeleton(invoice: Invoice, language: str, show_cost: bool, lines: list[LineExplanation]) -> Explanation:
    return Explanation(
        invoice_id=invoice.id,
        label=invoice.label,
        kind=invoice.kind,
        status=invoice.status,
        customer_id=invoice.customer_id,
        customer_name=invoice.customer.name,
        period=invoice.period,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        currency=invoice.currency,
        language=language,
        subtotal_minor=invoice.subtotal_minor,
        tax_minor=invoice.tax_minor,
        total_minor=invoice.total_minor,
        cost_minor=invoice.cost_minor,
        show_cost=show_cost,
        lines=lines,
        comparison=None,
    )


def _compare(session: Session, prev: loading.InvoiceFacts, cur: loading.InvoiceFacts, words: Words) -> Comparison:
    labels = CHART_LABELS[words.lang]
    causes = difference(prev, cur, lambda p, c: usage_causes(p, c, labels))
    for cause in causes:
        cause.text = cause_text(cause, words)
    return Comparison(
        previous_id=prev.invoice.id,
        previous_label=prev.invoice.label,
        previous_period=prev.invoice.period,
        previous_total_minor=prev.invoice.total_minor,
        difference_minor=cur.invoice.total_minor - prev.invoice.total_minor,
        causes=causes,
    )


def _strip_cost(value: Any) -> Any:
    """Remove every cost and margin key, at any depth (portal users and staff without margin:read)."""
    if isinstance(value, dict):
        return {k: _strip_cost(v) for k, v in value.items() if k not in COST_KEYS}
    if isinstance(value, list):
        return [_strip_cost(v) for v in value]
    return value


def _cause_dict(cause: Cause, words: Words) -> dict[str, Any]:
    return {
        "kind": cause.kind,
        "label": words.label(cause.kind),
        "key": cause.key,
        "subject": cause.subject,
        "amount_minor": cause.amount_minor,
        "cost_minor": cause.cost_minor,
        "margin_minor": cause.margin_minor,
        "facts": dict(sorted(cause.facts.items())),
        "details": [asdict(d) | {"change_minor": d.change_minor, "text": detail_text(d, words)} for d in cause.details],
        "evidence": cause.evidence.as_dict(),
        "chart_svg": cause.chart_svg,
        "text": cause.text,
    }


def _line_dict(item: LineExplanation) -> dict[str, Any]:
    return {
        "line_id": str(item.line_id),
        "position": item.position,
        "kind": item.kind,
        "description": item.description,
        "amount_minor": item.amount_minor,
        "tax_minor": item.tax_minor,
        "cost_minor": item.cost_minor,
        "margin_minor": item.amount_minor - item.cost_minor,
        "informational": item.informational,
        "facts": dict(sorted(item.facts.items())),
        "evidence": item.evidence.as_dict(),
        "text": item.text,
        "parts": [_line_dict(p) for p in item.parts],
    }


def as_dict(explanation: Explanation) -> dict[str, Any]:
    """The structured explanation (JSON-ready); without cost keys unless the principal may see margin."""
    words = Words(explanation.language, explanation.currency)
    comparison = explanation.comparison
    data: dict[str, Any] = {
        "invoice_id": str(explanation.invoice_id),
        "label": explanation.label,
        "kind": explanation.kind,
        "status": explanation.status,
        "customer_id": str(explanation.customer_id),
        "customer_name": explanation.customer_name,
        "period": explanation.period,
        "currency": explanation.currency,
        "language": explanation.language,
        "subtotal_minor": explanation.subtotal_minor,
        "tax_minor": explanation.tax_minor,
        "total_minor": explanation.total_minor,
        "cost_minor": explanation.cost_minor,
        "margin_minor": explanation.subtotal_minor - explanation.cost_minor,
        "lines": [_line_dict(item) for item in explanation.lines],
        "comparison": None,
        "text": explanation.text,
    }
    if comparison is not None:
        data["comparison"] = {
            "previous_invoice_id": str(comparison.previous_id),
            "previous_label": comparison.previous_label,
            "previous_period": comparison.previous_period,
            "previous_total_minor": comparison.previous_total_minor,
            "difference_minor": comparison.difference_minor,
            "causes": [_cause_dict(c, words) for c in comparison.causes],
            "text": comparison.text,
        }
    return data if explanation.show_cost else _strip_cost(data)


def explanation_for_ticket(
    session: Session,
    principal: Principal,
    invoice_id: uuid.UUID,
    lang: str | None = None,
    *,
    customer_id: uuid.UUID | None = None,
) -> tuple[str, dict[str, Any]]:
    """The seam for support: the text (a reply the agent can send or edit) and the structured explanation.

    Always rendered without cost or margin, since the text is meant for the customer; with customer_id, an invoice
    of another customer is NotFound, so a ticket can never offer one customer another's invoice as a reply.
    """
    invoice = repository.access_invoice(session, principal, invoice_id)
    if customer_id is not None and invoice.customer_id != customer_id:
        raise NotFound("invoice not found")
    explanation = explain_invoice(session, principal, invoice_id, lang=lang, include_cost=False)
    return explanation.text, as_dict(explanation)


def find_invoice(session: Session, principal: Principal, number_or_id: str) -> Invoice:
    """An invoice by its number (e.g. INV-2026-000123) or its id, as the principal may see it."""
    try:
        return repository.access_invoice(session, principal, uuid.UUID(number_or_id))
    except ValueError:
        pass
    stmt = repository.readable_invoices(principal).where(Invoice.number == number_or_id.strip())
    invoice = session.execute(stmt).scalars().first()
    if invoice is None:
        raise NotFound(f"invoice {number_or_id} not found")
    return invoice
