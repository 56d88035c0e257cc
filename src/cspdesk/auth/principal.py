"""Who is acting: a staff user, a portal user bound to one customer, or the system."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from cspdesk.auth.permissions import Permission, permissions_for
from cspdesk.kit.errors import PermissionDenied


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID | None
    label: str
    kind: str  # staff | portal | system
    roles: frozenset[str] = field(default_factory=frozenset)
    customer_id: uuid.UUID | None = None
    language: str = "en"
    name: str = ""  # the user's display name (label is their email)

    @property
    def permissions(self) -> frozenset[Permission]:
        if self.kind == "system":
            return frozenset(Permission)
        return permissions_for(self.roles)

    @property
    def is_staff(self) -> bool:
        return self.kind in ("staff", "system")

    @property
    def is_portal(self) -> bool:
        return self.kind == "portal"

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(f"this needs the permission {permission.value}")

    def may_see_customer(self, customer_id: uuid.UUID) -> bool:
        """Portal users reach only their own customer; staff with the read permission reach all."""
        return self.is_staff or self.customer_id == customer_id


SYSTEM = Principal(user_id=None, label="system", kind="system")
