"""Background handlers of billing: the invoice email with its PDF, in the customer's language."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from typing import Any, Protocol

from sqlalchemy.orm import Session

from cspdesk.billing.pdf import render_html
from cspdesk.config import Settings, get_settings
from cspdesk.jobs.context import JobContext
from cspdesk.jobs.registry import handler
from cspdesk.kit.storage import Storage, storage_for
from cspdesk.models.billing import Invoice


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def build_invoice_email(invoice: Invoice, pdf: bytes, sender: str) -> EmailMessage:
    """Subject and text in the invoice's language, the PDF attached; one message to all billing contacts."""
    context = {"invoice": invoice, "customer": invoice.customer}
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(c.email for c in invoice.customer.contacts)
    message["Subject"] = render_html("billing/email/invoice_subject.txt", invoice.language, context).strip()
    message.set_content(render_html("billing/email/invoice_body.txt", invoice.language, context))
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{invoice.number}.pdf")
    return message


def send_invoice_email(
    session: Session,
    message_payload: dict[str, Any],
    mailer: Mailer,
    *,
    settings: Settings | None = None,
    storage: Storage | None = None,
) -> None:
    """Outbox handler for 'email.invoice': reloads the invoice, re-checks it is issued, sends it."""
    invoice = session.get(Invoice, uuid.UUID(str(message_payload["invoice_id"])))
    if invoice is None or invoice.status != "issued" or not invoice.pdf_key or not invoice.customer.contacts:
        return
    settings = settings or get_settings()
    pdf = (storage or storage_for(settings)).read_bytes(invoice.pdf_key)
    mailer.send(build_invoice_email(invoice, pdf, settings.mail_from))


@handler("email.invoice")
def invoice_email(context: JobContext) -> None:
    """The worker's handler: the invoice's PDF to its billing contacts, with a Message-ID from the outbox key."""
    send_invoice_email(
        context.session,
        context.payload,
        context.resources.mailer(),
        settings=context.settings,
    )
    context.result = f"invoice {context.payload.get('invoice_id')} sent"


HANDLERS = {"email.invoice": send_invoice_email}
