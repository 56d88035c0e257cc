"""Publishing the payment policy as numbered versions; the newest published version is in force."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit import audit, clock
from cspdesk.kit.errors import NotFound
from cspdesk.models.policy import PolicyVersion
from cspdesk.policy.document import PolicyDocument, parse_policy_yaml


@lru_cache(maxsize=64)
def _parsed(yaml_text: str) -> PolicyDocument:
    return parse_policy_yaml(yaml_text)


def document_of(version: PolicyVersion) -> PolicyDocument:
    """The parsed document of a stored version (published text always parses: it was validated on publishing)."""
    return _parsed(version.yaml_text)


def current_version(session: Session) -> PolicyVersion | None:
    """The policy in force: the newest published version, or None before the first publication."""
    stmt = select(PolicyVersion).order_by(PolicyVersion.version.desc()).limit(1)
    return session.execute(stmt).scalar_one_or_none()


def current_policy_version_id(session: Session) -> uuid.UUID | None:
    """The id billing stores on an invoice when it is issued: that version governs the invoice to the end."""
    stmt = select(PolicyVersion.id).order_by(PolicyVersion.version.desc()).limit(1)
    return session.execute(stmt).scalar_one_or_none()


def version_in_force_at(session: Session, at: datetime) -> PolicyVersion | None:
    """The version that was in force at an instant (the first one for anything before it)."""
    stmt = select(PolicyVersion).where(PolicyVersion.published_at <= at).order_by(PolicyVersion.version.desc())
    found = session.execute(stmt.limit(1)).scalar_one_or_none()
    if found is not None:
        return found
    return session.execute(select(PolicyVersion).order_by(PolicyVersion.version).limit(1)).scalar_one_or_none()


def all_versions(session: Session) -> list[PolicyVersion]:
    return list(session.execute(select(PolicyVersion).order_by(PolicyVersion.version.desc())).scalars())


def version_by_number(session: Session, number: int) -> PolicyVersion:
    found = session.execute(select(PolicyVersion).where(PolicyVersion.version == number)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"policy version {number} not found")
    return found


def version_by_id(session: Session, version_id: uuid.UUID) -> PolicyVersion:
    found = session.get(PolicyVersion, version_id)
    if found is None:
        raise NotFound("policy version not found")
    return found


def validate(yaml_text: str) -> PolicyDocument:
    """Parse a draft; raises PolicyValidationError with line/column issues."""
    return parse_policy_yaml(yaml_text)


def publish(session: Session, principal: Principal, yaml_text: str, *, note: str = "") -> PolicyVersion:
    """Publish a validated document as the next version; invoices issued from now on are governed by it."""
    principal.require(Permission.POLICY_WRITE)
    doc = parse_policy_yaml(yaml_text)
    number = (session.execute(select(func.max(PolicyVersion.version))).scalar_one() or 0) + 1
    version = PolicyVersion(
        version=number,
        name=doc.name,
        yaml_text=yaml_text,
        note=note.strip(),
        published_at=clock.now(),
        published_by=principal.label,
    )
    session.add(version)
    session.flush()
    audit.record(
        session,
        principal,
        "policy.publish",
        "policy_version",
        version.id,
        after={"version": number, "name": doc.name, "yaml": yaml_text, "note": version.note},
    )
    return version
