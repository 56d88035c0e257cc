"""support plan terms: a ticket keeps the calendar and targets it was opened under

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-24 07:45:44.133537
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cspdesk.db

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLANS = sa.table(
    "support_plans",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("calendar", sa.JSON()),
    sa.column("targets", sa.JSON()),
    sa.column("is_default", sa.Boolean()),
    sa.column("updated_at", cspdesk.db.UTCDateTime(timezone=True)),
    sa.column("terms_id", sa.Uuid()),
)
TERMS = sa.table(
    "support_plan_terms",
    sa.column("id", sa.Uuid()),
    sa.column("plan_id", sa.Uuid()),
    sa.column("plan_name", sa.String()),
    sa.column("calendar", sa.JSON()),
    sa.column("targets", sa.JSON()),
    sa.column("created_at", cspdesk.db.UTCDateTime(timezone=True)),
)
CUSTOMER_PLANS = sa.table(
    "customer_support_plans", sa.column("customer_id", sa.Uuid()), sa.column("plan_id", sa.Uuid())
)
TICKETS = sa.table("tickets", sa.column("customer_id", sa.Uuid()), sa.column("sla_terms_id", sa.Uuid()))


def upgrade() -> None:
    op.create_table(
        "support_plan_terms",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("plan_name", sa.String(length=120), nullable=False),
        sa.Column("calendar", sa.JSON(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("created_at", cspdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_plan_terms")),
    )
    op.create_index(op.f("ix_support_plan_terms_plan_id"), "support_plan_terms", ["plan_id"], unique=False)
    # Added in place (inline REFERENCES on SQLite): recreating `tickets` in batch mode would copy the whole table.
    inline = op.get_bind().dialect.name == "sqlite"
    op.add_column(
        "support_plans",
        sa.Column(
            "terms_id",
            sa.Uuid(),
            sa.ForeignKey("support_plan_terms.id", name=op.f("fk_support_plans_terms_id_support_plan_terms")),
            nullable=True,
        ),
        inline_references=inline,
    )
    op.add_column(
        "tickets",
        sa.Column(
            "sla_terms_id",
            sa.Uuid(),
            sa.ForeignKey("support_plan_terms.id", name=op.f("fk_tickets_sla_terms_id_support_plan_terms")),
            nullable=True,
        ),
        inline_references=inline,
    )
    _backfill()


def _backfill() -> None:
    """Every plan gets its current terms; every ticket the terms it was computed with so far (its customer's plan)."""
    bind = op.get_bind()
    for plan in bind.execute(sa.select(PLANS)).all():
        terms_id = uuid.uuid4()
        bind.execute(
            TERMS.insert().values(
                id=terms_id,
                plan_id=plan.id,
                plan_name=plan.name,
                calendar=plan.calendar,
                targets=plan.targets,
                created_at=plan.updated_at,
            )
        )
        bind.execute(PLANS.update().where(PLANS.c.id == plan.id).values(terms_id=terms_id))
    own = (
        sa.select(PLANS.c.terms_id)
        .join(CUSTOMER_PLANS, CUSTOMER_PLANS.c.plan_id == PLANS.c.id)
        .where(CUSTOMER_PLANS.c.customer_id == TICKETS.c.customer_id)
        .scalar_subquery()
    )
    default = sa.select(PLANS.c.terms_id).where(PLANS.c.is_default.is_(True)).order_by(PLANS.c.name).limit(1)
    bind.execute(TICKETS.update().values(sla_terms_id=sa.func.coalesce(own, default.scalar_subquery())))


def downgrade() -> None:
    # Dropped in place, with their foreign keys (a batch rebuild of `tickets` would cascade-delete its messages).
    op.drop_column("tickets", "sla_terms_id")
    op.drop_column("support_plans", "terms_id")
    op.drop_index(op.f("ix_support_plan_terms_plan_id"), table_name="support_plan_terms")
    op.drop_table("support_plan_terms")
