"""Offset pagination shared by lists in the API and the console."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def paginate(session: Session, stmt: Select[Any], page: int, size: int) -> Page[Any]:
    size = max(1, min(size, MAX_PAGE_SIZE))
    page = max(1, page)
    total = int(session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one())
    items = list(session.execute(stmt.limit(size).offset((page - 1) * size)).unique().scalars())
    return Page(items=items, total=total, page=page, size=size)
