"""Which daily schedule ran on which local day: the unique (name, date) lets only one worker run it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cspdesk.db import UTCDateTime
from cspdesk.models.base import Base, IdMixin


class ScheduleRun(IdMixin, Base):
    __tablename__ = "schedule_runs"
    __table_args__ = (UniqueConstraint("name", "run_date", name="uq_schedule_runs_name_date"),)

    name: Mapped[str] = mapped_column(String(80))
    run_date: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    worker: Mapped[str] = mapped_column(String(120), default="")
    enqueued: Mapped[int] = mapped_column(default=0)
