"""billing: price rules, taxes, rates, partner charges, invoice runs, invoices, payments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 05:03:13.560228
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cspdesk.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exchange_rates",
        sa.Column("from_currency", sa.String(length=3), nullable=False),
        sa.Column("to_currency", sa.String(length=3), nullable=False),
        sa.Column("rate", cspdesk.db.ExactDecimal(length=64), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rates")),
        sa.UniqueConstraint("from_currency", "to_currency", "valid_from", name="uq_exchange_rates_day"),
    )
    op.create_table(
        "invoice_runs",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", cspdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", cspdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("customer_count", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("errors_json", sa.Text(), nullable=False),
        sa.Column("started_by", sa.String(length=254), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_runs")),
        sa.UniqueConstraint("period", name=op.f("uq_invoice_runs_period")),
    )
    op.create_table(
        "tax_rules",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("rate_percent", cspdesk.db.ExactDecimal(length=64), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_rules")),
        sa.UniqueConstraint("country", "valid_from", name="uq_tax_rules_country_from"),
    )
    op.create_table(
        "invoices",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("series", sa.String(length=10), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=True),
        sa.Column("run_key", sa.String(length=80), nullable=True),
        sa.Column("run_id", sa.Uuid(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("policy_version_id", sa.Uuid(), nullable=True),
        sa.Column("fx_from_currency", sa.String(length=3), nullable=True),
        sa.Column("fx_rate", cspdesk.db.ExactDecimal(length=64), nullable=True),
        sa.Column("fx_rate_date", sa.Date(), nullable=True),
        sa.Column("tax_name", sa.String(length=60), nullable=False),
        sa.Column("tax_note", sa.Text(), nullable=False),
        sa.Column("subtotal_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("cost_minor", sa.BigInteger(), nullable=False),
        sa.Column("credited_invoice_id", sa.Uuid(), nullable=True),
        sa.Column("reissue_of_id", sa.Uuid(), nullable=True),
        sa.Column("pdf_key", sa.String(length=500), nullable=True),
        sa.Column("issued_at", cspdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("issued_by", sa.String(length=254), nullable=True),
        sa.Column("customer_reference", sa.String(length=120), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", cspdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cspdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credited_invoice_id"], ["invoices.id"], name=op.f("fk_invoices_credited_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_invoices_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["reissue_of_id"], ["invoices.id"], name=op.f("fk_invoices_reissue_of_id_invoices")),
        sa.ForeignKeyConstraint(
            ["run_id"], ["invoice_runs.id"], name=op.f("fk_invoices_run_id_invoice_runs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("run_key", name="uq_invoices_run_key"),
        sa.UniqueConstraint("series", "number", name="uq_invoices_series_number"),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_credited_invoice_id"), ["credited_invoice_id"], unique=False)
        batch_op.create_index("ix_invoices_customer_status", ["customer_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_period"), ["period"], unique=False)

    op.create_table(
        "payments",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("received_date", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("recorded_at", cspdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=254), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_payments_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("external_id", name="uq_payments_external_id"),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "price_rules",
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("group_id", sa.Uuid(), nullable=True),
        sa.Column("sku_id", sa.String(length=64), nullable=False),
        sa.Column("product_family", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("percent", cspdesk.db.ExactDecimal(length=64), nullable=True),
        sa.Column("fixed_price_minor", sa.BigInteger(), nullable=True),
        sa.Column("fixed_currency", sa.String(length=3), nullable=True),
        sa.Column("min_margin_percent", cspdesk.db.ExactDecimal(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", cspdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cspdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_price_rules_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["customer_groups.id"],
            name=op.f("fk_price_rules_group_id_customer_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_rules")),
    )
    with op.batch_alter_table("price_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_price_rules_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "recurring_charges",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("quantity", cspdesk.db.ExactDecimal(length=64), nullable=False),
        sa.Column("next_period", sa.String(length=7), nullable=False),
        sa.Column("end_period", sa.String(length=7), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", cspdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cspdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_recurring_charges_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurring_charges")),
    )
    with op.batch_alter_table("recurring_charges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recurring_charges_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "tax_exemptions",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("legal_note", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_tax_exemptions_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_exemptions")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_tax_exemptions_customer_id")),
    )
    op.create_table(
        "bank_statement_lines",
        sa.Column("line_key", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=False),
        sa.Column("counterparty", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("imported_at", cspdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_bank_statement_lines_payment_id_payments"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statement_lines")),
        sa.UniqueConstraint("line_key", name="uq_bank_statement_lines_line_key"),
    )
    op.create_table(
        "invoice_lines",
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("charge_type", sa.String(length=60), nullable=False),
        sa.Column("product_family", sa.String(length=20), nullable=False),
        sa.Column("sku_id", sa.String(length=64), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=True),
        sa.Column("microsoft_subscription_id", sa.String(length=64), nullable=False),
        sa.Column("entitlement_id", sa.String(length=64), nullable=False),
        sa.Column("meter_category", sa.String(length=120), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("quantity", cspdesk.db.ExactDecimal(length=64), nullable=False),
        sa.Column("unit_price", cspdesk.db.ExactDecimal(length=64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("cost_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_rate", cspdesk.db.ExactDecimal(length=64), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("informational", sa.Boolean(), nullable=False),
        sa.Column("below_min_margin", sa.Boolean(), nullable=False),
        sa.Column("price_rule_id", sa.Uuid(), nullable=True),
        sa.Column("price_mode", sa.String(length=20), nullable=False),
        sa.Column("source_cost_line_ids", sa.Text(), nullable=False),
        sa.Column("usage_key", sa.String(length=300), nullable=False),
        sa.Column("one_off_charge_id", sa.Uuid(), nullable=True),
        sa.Column("credited_line_id", sa.Uuid(), nullable=True),
        sa.Column("recurring_charge_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_lines_invoice_id_invoices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
    )
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_lines_credited_line_id"), ["credited_line_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoice_lines_invoice_id"), ["invoice_id"], unique=False)

    op.create_table(
        "one_off_charges",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("quantity", cspdesk.db.ExactDecimal(length=64), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", cspdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cspdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_one_off_charges_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_one_off_charges_invoice_id_invoices"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_off_charges")),
    )
    with op.batch_alter_table("one_off_charges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_one_off_charges_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "payment_allocations",
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("allocated_at", cspdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_payment_allocations_invoice_id_invoices"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_allocations_payment_id_payments"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_allocations")),
    )
    with op.batch_alter_table("payment_allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_allocations_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_allocations_payment_id"), ["payment_id"], unique=False)

    op.create_table(
        "webhook_events",
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("received_at", cspdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("result", sa.String(length=200), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_webhook_events_payment_id_payments"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
        sa.UniqueConstraint("event_id", name="uq_webhook_events_event_id"),
    )
    op.add_column("customer_groups", sa.Column("payment_terms_days", sa.Integer(), nullable=True))
    op.add_column("customers", sa.Column("payment_terms_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("customers", "payment_terms_days")
    op.drop_column("customer_groups", "payment_terms_days")

    op.drop_table("webhook_events")
    with op.batch_alter_table("payment_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_allocations_payment_id"))
        batch_op.drop_index(batch_op.f("ix_payment_allocations_invoice_id"))

    op.drop_table("payment_allocations")
    with op.batch_alter_table("one_off_charges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_one_off_charges_customer_id"))

    op.drop_table("one_off_charges")
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_lines_credited_line_id"))
        batch_op.drop_index(batch_op.f("ix_invoice_lines_invoice_id"))

    op.drop_table("invoice_lines")
    op.drop_table("bank_statement_lines")
    op.drop_table("tax_exemptions")
    with op.batch_alter_table("recurring_charges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recurring_charges_customer_id"))

    op.drop_table("recurring_charges")
    with op.batch_alter_table("price_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_price_rules_customer_id"))

    op.drop_table("price_rules")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_customer_id"))

    op.drop_table("payments")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_period"))
        batch_op.drop_index("ix_invoices_customer_status")
        batch_op.drop_index(batch_op.f("ix_invoices_credited_invoice_id"))

    op.drop_table("invoices")
    op.drop_table("tax_rules")
    op.drop_table("invoice_runs")
    op.drop_table("exchange_rates")
