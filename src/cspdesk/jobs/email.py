"""Email notices: rendered from templates (en/ru, plain text + HTML) and sent through the outbox."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, TypeVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from cspdesk.jobs.outbox import PRIORITY_DEFAULT, Enqueued, enqueue
from cspdesk.kit import clock
from cspdesk.kit.i18n import gettext_for
from cspdesk.web.templating import TEMPLATE_DIR

EMAIL_KIND = "email.send"


@dataclass(frozen=True)
class RenderedEmail:
    to: list[str]
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def as_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> RenderedEmail:
        return cls(
            to=list(payload["to"]),
            subject=str(payload["subject"]),
            text=str(payload["text"]),
            html=payload.get("html"),
            reply_to=payload.get("reply_to"),
            headers=dict(payload.get("headers") or {}),
        )


# A renderer builds the notice at send time from ids; None means it no longer applies (nothing is sent).
Renderer = Callable[[Session, dict[str, Any]], RenderedEmail | None]
R = TypeVar("R", bound=Renderer)
_RENDERERS: dict[str, Renderer] = {}


def renderer(name: str) -> Callable[[R], R]:
    """Register a renderer that the "email.send" handler calls with the message's args."""

    def register(func: R) -> R:
        _RENDERERS[name] = func
        return func

    return register


def renderer_for(name: str) -> Renderer | None:
    from cspdesk.jobs import registry

    registry.discover()
    return _RENDERERS.get(name)


_env = Environment(
    loader=FileSystemLoader(str(TEMPLATE_DIR / "email")),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def render_email(template: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """Plain text and HTML of `email/<template>.txt|.html` in `language` (en or ru)."""
    translation = gettext_for(language)
    values = {"_": translation.gettext, "lang": language, "sender_name": "cspdesk", **context}
    text = _env.get_template(f"{template}.txt").render(values)
    html = _env.get_template(f"{template}.html").render(values)
    return text, html


def message_id_for(idempotency_key: str, sender: str) -> str:
    """A Message-ID derived from the outbox key: a resent notice keeps its id, so mail systems can drop the copy."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    domain = sender.rpartition("@")[2] or "cspdesk.local"
    return f"<{digest}@{domain}>"


def build_message(rendered: RenderedEmail, *, sender: str, idempotency_key: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(rendered.to)
    message["Subject"] = rendered.subject
    message["Date"] = formatdate(clock.now().timestamp(), localtime=False)
    message["Message-ID"] = message_id_for(idempotency_key, sender)
    if rendered.reply_to:
        message["Reply-To"] = rendered.reply_to
    for name, value in rendered.headers.items():
        message[name] = value
    message.set_content(rendered.text)
    if rendered.html:
        message.add_alternative(rendered.html, subtype="html")
    return message


def enqueue_email(
    session: Session,
    key: str,
    *,
    rendered: RenderedEmail | None = None,
    renderer_name: str | None = None,
    args: dict[str, Any] | None = None,
    subject_type: str = "",
    subject_id: str = "",
    priority: int = PRIORITY_DEFAULT,
    new_key: bool = False,
) -> Enqueued:
    """Queue one email: either fully rendered now, or rendered at send time by `renderer_name` from `args`
    (`new_key`: see outbox.enqueue)."""
    if (rendered is None) == (renderer_name is None):
        raise ValueError("give either a rendered email or a renderer name")
    payload = rendered.as_payload() if rendered else {"renderer": renderer_name, "args": args or {}}
    return enqueue(
        session,
        EMAIL_KIND,
        payload,
        key,
        priority=priority,
        subject_type=subject_type,
        subject_id=subject_id,
        new_key=new_key,
    )
