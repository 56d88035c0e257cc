"""Ticket attachments: size and count limits, content type sniffed from the bytes, kept behind Storage."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.config import Settings
from cspdesk.kit.errors import ValidationFailed, field_error
from cspdesk.kit.storage import Storage
from cspdesk.models.support import Attachment, Ticket

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def sniff(data: bytes) -> str:
    """The content type told by the bytes themselves, never by the client's claim or the file name."""
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


def safe_filename(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return (_SAFE_NAME.sub("_", base).strip(" .") or "attachment")[:200]


def check_uploads(session: Session, settings: Settings, ticket: Ticket | None, uploads: list[Upload]) -> None:
    existing = 0
    if ticket is not None and ticket.id is not None:
        count = select(func.count()).select_from(Attachment).where(Attachment.ticket_id == ticket.id)
        existing = int(session.execute(count).scalar_one())
    if existing + len(uploads) > settings.support_attachment_max_count:
        limit = settings.support_attachment_max_count
        raise ValidationFailed(
            f"at most {limit} attachments per ticket", details=[field_error("attachments", f"at most {limit} files")]
        )
    for upload in uploads:
        if len(upload.data) > settings.support_attachment_max_bytes:
            message = f"{safe_filename(upload.filename)} is larger than {settings.support_attachment_max_bytes} bytes"
            raise ValidationFailed(message, details=[field_error("attachments", message)])


def store(
    session: Session, storage: Storage, ticket: Ticket, message_id: uuid.UUID | None, uploads: list[Upload]
) -> list[Attachment]:
    stored = []
    for upload in uploads:
        attachment = Attachment(
            id=uuid.uuid4(),
            ticket_id=ticket.id,
            message_id=message_id,
            filename=safe_filename(upload.filename),
            content_type=sniff(upload.data),
            size_bytes=len(upload.data),
        )
        attachment.storage_key = f"support/{ticket.id}/{attachment.id}"
        storage.put_bytes(attachment.storage_key, upload.data)
        session.add(attachment)
        stored.append(attachment)
    session.flush()
    return stored
