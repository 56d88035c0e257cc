"""The "email.send" handler."""

from __future__ import annotations

from cspdesk.jobs.context import JobContext
from cspdesk.jobs.email import EMAIL_KIND, RenderedEmail, build_message, renderer_for
from cspdesk.jobs.errors import PermanentFailure
from cspdesk.jobs.registry import handler


def _rendered(context: JobContext) -> RenderedEmail | None:
    name = context.payload.get("renderer")
    if name is None:
        return RenderedEmail.from_payload(context.payload)
    render = renderer_for(str(name))
    if render is None:
        raise PermanentFailure(f"no email renderer is registered as {name!r}")
    return render(context.session, dict(context.payload.get("args") or {}))


@handler(EMAIL_KIND)
def send_email(context: JobContext) -> None:
    """Send one email; a renderer that finds the notice no longer applies (e.g. the invoice is paid) sends nothing.

    SMTP is at-least-once: a crash after the server accepted the message but before "done" commits resends it,
    with the same Message-ID.
    """
    rendered = _rendered(context)
    if rendered is None:
        context.result = "not sent: no longer applies"
        return
    if not rendered.to:
        raise PermanentFailure("the email has no recipient")
    sender = context.settings.mail_from
    context.resources.mailer().send(
        build_message(rendered, sender=sender, idempotency_key=context.message.idempotency_key)
    )
    context.result = f"sent to {', '.join(rendered.to)}"
