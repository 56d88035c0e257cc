"""The SLA report: per plan and per agent for one month, with an inline SVG chart (no JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from cspdesk.models.support import Ticket
from cspdesk.models.support_plans import CustomerSupportPlan, SupportPlan
from cspdesk.models.user import User
from cspdesk.support import plans


@dataclass(frozen=True)
class ReportRow:
    label: str
    tickets: int
    first_response_breached: int
    resolution_breached: int
    microsoft_minutes: int

    @property
    def met_percent(self) -> int:
        """Tickets with neither target breached, as a whole percentage (rounded down)."""
        if not self.tickets:
            return 100
        return (self.tickets - max(self.first_response_breached, self.resolution_breached)) * 100 // self.tickets


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def _count(flag: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((flag, 1), else_=0)), 0)


def _rows(session: Session, label: Any, month: date, join_plan: bool) -> list[ReportRow]:
    start, end = month_bounds(month)
    stmt = select(
        label,
        func.count(Ticket.id),
        _count(Ticket.first_response_breached.is_(True)),
        _count(Ticket.resolution_breached.is_(True)),
        func.coalesce(func.sum(Ticket.microsoft_minutes), 0),
    ).where(Ticket.created_at >= start, Ticket.created_at < end, Ticket.merged_into_id.is_(None))
    if join_plan:
        stmt = stmt.outerjoin(CustomerSupportPlan, CustomerSupportPlan.customer_id == Ticket.customer_id)
        stmt = stmt.outerjoin(SupportPlan, SupportPlan.id == CustomerSupportPlan.plan_id)
    else:
        stmt = stmt.outerjoin(User, User.id == Ticket.assignee_id)
    result = session.execute(stmt.group_by(label).order_by(label)).all()
    return [
        ReportRow(str(r[0]) if r[0] is not None else "", int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in result
    ]


def by_plan(session: Session, month: date) -> list[ReportRow]:
    """Customers without their own plan are reported under the default plan's name."""
    default = plans.default_plan(session)
    rows = _rows(session, SupportPlan.name, month, join_plan=True)
    fallback = default.name if default else "default"
    return [r if r.label else ReportRow(fallback, *_values(r)) for r in rows]


def _values(row: ReportRow) -> tuple[int, int, int, int]:
    return row.tickets, row.first_response_breached, row.resolution_breached, row.microsoft_minutes


def by_agent(session: Session, month: date) -> list[ReportRow]:
    rows = _rows(session, User.name, month, join_plan=False)
    return [r if r.label else ReportRow("unassigned", *_values(r)) for r in rows]


def bar_chart(rows: list[ReportRow], title: str) -> str:
    """Horizontal bars of the share of tickets within SLA; every label escaped."""
    bar_height, gap, label_width, width = 22, 8, 180, 320
    height = max(1, len(rows)) * (bar_height + gap) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{label_width + width + 60}" '
        f'height="{height}" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for index, row in enumerate(rows):
        y = 20 + index * (bar_height + gap)
        bar = width * row.met_percent // 100
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(row.label[:28])}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{width}" height="{bar_height}" fill="#eee"/>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{bar}" height="{bar_height}" fill="#2b7a4b"/>')
        parts.append(f'<text x="{label_width + width + 6}" y="{y + 15}" font-size="12">{row.met_percent}%</text>')
    parts.append("</svg>")
    return "".join(parts)
