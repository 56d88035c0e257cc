"""PDF documents in the customer's language (WeasyPrint, DejaVu fonts): invoices, credit notes, statements."""

from __future__ import annotations

from functools import cache
from typing import Any

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from cspdesk.config import Settings
from cspdesk.kit.i18n import gettext_for
from cspdesk.kit.money import format_money
from cspdesk.models.billing import Invoice
from cspdesk.web.templating import TEMPLATE_DIR


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(["html"]))


def payment_reference(customer_id: object) -> str:
    """The customer's payment reference printed on every invoice; bank lines carrying it are matched."""
    return f"C-{str(customer_id).replace('-', '')[:8].upper()}"


def document_context(language: str) -> dict[str, Any]:
    translation = gettext_for(language)
    return {
        "_": translation.gettext,
        "lang": language,
        "money": lambda minor, currency: format_money(minor, currency, language),
        "num": lambda value: format(value.normalize(), "f"),
        "fmt_date": lambda d: "—" if d is None else str(format_date(d, "medium", locale=language)),
    }


def render_html(template: str, language: str, context: dict[str, Any]) -> str:
    return _environment().get_template(template).render(document_context(language) | context)


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=str(TEMPLATE_DIR)).write_pdf()
    return pdf


def render_invoice_pdf(session: Session, invoice: Invoice, settings: Settings) -> bytes:
    """The invoice or credit note as a PDF in its language."""
    credited = session.get(Invoice, invoice.credited_invoice_id) if invoice.credited_invoice_id else None
    context = {
        "invoice": invoice,
        "customer": invoice.customer,
        "credited": credited,
        "company": settings.billing_company_name,
        "reference": payment_reference(invoice.customer_id),
        "lines": invoice.lines,
    }
    return html_to_pdf(render_html("billing/pdf/invoice.html", invoice.language, context))
