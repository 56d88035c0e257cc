"""Importing Partner Center files into the cost ledger: Microsoft's documented examples, bad input, idempotency."""

from __future__ import annotations

import codecs
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import zstandard
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.kit.storage import LocalStorage
from cspdesk.microsoft.imports import ImportFileUnreadable, ImportRejected, import_file
from cspdesk.microsoft.ledger import usage_detail
from cspdesk.microsoft.payables import queries
from cspdesk.microsoft.payables.service import invoice_by_number
from cspdesk.models.customer import Customer
from cspdesk.models.microsoft import CostLine, ImportBatch, UsageAggregate
from cspdesk.models.subscription import Subscription
from tests.microsoft.imports.conftest import row_counts
from tests.microsoft.imports.samples import recon_csv, recon_line, usage_csv, usage_line, write

TENANT = "7d3c1f0a-2b4e-4c6d-8e9f-0a1b2c3d4e5f"


def _lines(session: Session, batch_id: uuid.UUID | None) -> list[CostLine]:
    stmt = select(CostLine).where(CostLine.batch_id == batch_id).order_by(CostLine.line_no)
    return list(session.execute(stmt).scalars())


def test_documented_examples_reach_the_ledger_exactly(session: Session, storage: LocalStorage, tmp_path: Path) -> None:
    lines = [
        recon_line(CustomerId=TENANT),  # 10 seats at EUR 10.08 -> 100.80
        recon_line(
            CustomerId=TENANT,
            ChargeType="New",
            UnitPrice="120.96",
            EffectiveUnitPrice="120.96",
            Subtotal="1209.60",
            Total="1209.60",
            TermAndBillingCycle="One Year Subscription",
            BillingFrequency="Annual",
            ChargeEndDate="1/31/2027",
        ),
        # seat-based with a rate: ROUNDDOWN(10.08 * 0.9234, 2) * 10 = 9.30 * 10 = 93.00
        recon_line(
            CustomerId=TENANT, PricingCurrency="USD", PCToBCExchangeRate="0.9234", Subtotal="93.00", Total="93.00"
        ),
        # usage-based: ROUNDDOWN(ROUNDDOWN(0.0123 * 1000.5, 2) * 0.9234, 2) = ROUNDDOWN(12.30 * 0.9234, 2) = 11.35
        recon_line(
            CustomerId=TENANT,
            ProductName="Azure plan",
            SkuName="Azure plan",
            SubscriptionDescription="Azure plan",
            ChargeType="cycleCharge",
            UnitPrice="0.0123",
            EffectiveUnitPrice="0.0123",
            Quantity="1000.5",
            BillableQuantity="1000.5",
            PricingCurrency="USD",
            PCToBCExchangeRate="0.9234",
            Subtotal="11.35",
            Total="11.35",
            TermAndBillingCycle="",
            BillingFrequency="",
        ),
    ]
    summary = import_file(session, SYSTEM, storage, write(tmp_path / "recon.csv", recon_csv(lines)))
    rows = _lines(session, summary.batch_id)
    assert [(r.charge_type, r.subtotal_minor, r.total_minor) for r in rows] == [
        ("new", 10080, 10080),
        ("new", 120960, 120960),
        ("new", 9300, 9300),
        ("cycleCharge", 1135, 1135),
    ]
    assert rows[1].effective_unit_price == Decimal("120.96") and rows[3].billable_quantity == Decimal("1000.5")
    assert rows[3].product_family == "azure_plan" and rows[0].product_family == "microsoft_365"
    assert summary.totals_by_charge_type == {"EUR": {"new": Decimal("1403.40"), "cycleCharge": Decimal("11.35")}}
    assert summary.new_customers == [{"tenant_id": TENANT, "name": "Contoso GmbH"}]
    customer = session.execute(select(Customer).where(Customer.tenant_id == uuid.UUID(TENANT))).scalar_one()
    assert customer.needs_review is True
    invoice = invoice_by_number(session, "G000012345")
    assert invoice is not None and [(t.currency, t.total_minor) for t in invoice.totals] == [("EUR", 141475)]
    assert str(invoice.invoice_date) == "2026-03-01" and str(invoice.due_date) == "2026-04-30"
    result = queries.reconcile(session, SYSTEM, invoice)
    assert result.balanced and result.mismatches == []


def test_a_wrong_subtotal_is_listed_by_the_reconciliation(
    session: Session, storage: LocalStorage, tmp_path: Path
) -> None:
    line = recon_line(CustomerId=TENANT, Subtotal="100.81", Total="100.81")
    import_file(session, SYSTEM, storage, write(tmp_path / "r.csv", recon_csv([line])))
    invoice = invoice_by_number(session, "G000012345")
    assert invoice is not None
    result = queries.reconcile(session, SYSTEM, invoice)
    assert [(m.line.subtotal_minor, m.expected_subtotal_minor) for m in result.mismatches] == [(10081, 10080)]


def test_invalid_rows_import_nothing_and_say_where(session: Session, storage: LocalStorage, tmp_path: Path) -> None:
    lines = [
        recon_line(),
        recon_line(Subtotal="12,5"),
        recon_line(ChargeStartDate="2026-02-01"),
        recon_line(Currency="EURO"),
    ]
    before = row_counts(session)
    with pytest.raises(ImportRejected) as caught:
        import_file(session, SYSTEM, storage, write(tmp_path / "bad.csv", recon_csv(lines)))
    details = [(d["line"], d["column"], d["value"]) for d in caught.value.details]
    assert details == [(3, "Subtotal", "12,5"), (4, "ChargeStartDate", "2026-02-01"), (5, "Currency", "EURO")]
    assert caught.value.details[0]["reason"].startswith("bad number")
    assert row_counts(session) == before


def test_skip_invalid_imports_the_valid_rows_and_writes_rejects(
    session: Session, storage: LocalStorage, tmp_path: Path
) -> None:
    lines = [recon_line(CustomerId=TENANT), recon_line(CustomerId=TENANT, Quantity="ten")]
    rejects = tmp_path / "rejects.csv"
    summary = import_file(
        session, SYSTEM, storage, write(tmp_path / "r.csv", recon_csv(lines)), skip_invalid=True, rejects_path=rejects
    )
    assert (summary.new_rows, summary.rejected_rows) == (1, 1)
    assert rejects.read_text().splitlines()[1].startswith("3,Quantity,bad number")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (codecs.BOM_UTF16_LE + "PartnerId,CustomerId\r\n".encode("utf-16-le"), "UTF-16"),
        (recon_csv([recon_line()]).encode().rstrip(b"\r\n")[:-40], "truncated"),
        ((recon_csv([recon_line()]) + recon_csv([recon_line()])).encode(), "duplicate header"),
        (b"Foo,Bar\r\n1,2\r\n", "matches no Partner Center file kind"),
    ],
    ids=["empty", "utf16", "truncated", "duplicate-header", "unknown-kind"],
)
def test_unreadable_files_change_nothing(
    session: Session, storage: LocalStorage, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    before = row_counts(session)
    with pytest.raises(ImportFileUnreadable) as caught:
        import_file(session, SYSTEM, storage, path)
    assert message.lower() in caught.value.message.lower()
    assert row_counts(session) == before


def test_the_same_file_twice_adds_nothing(session: Session, storage: LocalStorage, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", recon_csv([recon_line(CustomerId=TENANT), recon_line(CustomerId=TENANT)]))
    first = import_file(session, SYSTEM, storage, path)
    before = row_counts(session)
    second = import_file(session, SYSTEM, storage, path)
    assert (first.new_rows, second.status, second.batch_id) == (2, "duplicate_file", first.batch_id)
    assert "already imported" in second.message
    assert row_counts(session) == before


def test_re_exported_lines_add_nothing(session: Session, storage: LocalStorage, tmp_path: Path) -> None:
    lines = [recon_line(CustomerId=TENANT, UnitPrice="120.96"), recon_line(CustomerId=TENANT)]
    import_file(session, SYSTEM, storage, write(tmp_path / "a.csv", recon_csv(lines)))
    again = [recon_line(**(line | {"UnitPrice": line["UnitPrice"] + "0"})) for line in reversed(lines)]
    summary = import_file(session, SYSTEM, storage, write(tmp_path / "b.csv", recon_csv(again)))
    assert (summary.status, summary.new_rows, summary.already_imported_rows) == ("nothing_new", 0, 2)
    assert len(session.execute(select(CostLine)).scalars().all()) == 2


def test_billed_file_replaces_the_unbilled_one(session: Session, storage: LocalStorage, tmp_path: Path) -> None:
    unbilled = [usage_line(CustomerId=TENANT, InvoiceNumber="", BillingPreTaxTotal="2.00")]
    first = import_file(session, SYSTEM, storage, write(tmp_path / "u.csv", usage_csv(unbilled)))
    billed = [usage_line(CustomerId=TENANT), usage_line(CustomerId=TENANT, UsageDate="2/4/2026")]
    second = import_file(session, SYSTEM, storage, write(tmp_path / "b.csv", usage_csv(billed)))
    assert second.superseded_batches == [str(first.batch_id)]
    old = session.get(ImportBatch, first.batch_id)
    assert old is not None and (old.status, old.superseded_by_id) == ("superseded", second.batch_id)
    sums = session.execute(select(UsageAggregate.billing_pre_tax_total, UsageAggregate.batch_id)).all()
    assert sorted((amount, batch) for amount, batch in sums) == [(Decimal("2.04"), second.batch_id)] * 2
    late = import_file(session, SYSTEM, storage, write(tmp_path / "u2.csv", usage_csv(unbilled + unbilled)))
    assert late.status == "already_billed"


def test_usage_is_summed_exactly_and_kept_as_parquet(session: Session, storage: LocalStorage, tmp_path: Path) -> None:
    plan = {"CustomerId": TENANT, "SubscriptionId": str(uuid.uuid4())}
    rows = [
        usage_line(**plan, ResourceGroup="rg-a", BillingPreTaxTotal="0.000001", Quantity="0.005001"),
        usage_line(**plan, ResourceGroup="rg-b", BillingPreTaxTotal="1.999999", Quantity="1"),
        usage_line(**plan, CreditType="Azure Credit Applied", CreditPercentage="100", BillingPreTaxTotal="0"),
    ]
    summary = import_file(session, SYSTEM, storage, write(tmp_path / "u.csv", usage_csv(rows)))
    aggregates = session.execute(select(UsageAggregate).order_by(UsageAggregate.credit_type)).scalars().all()
    assert [(a.credit_type, a.billing_pre_tax_total, a.quantity, a.row_count) for a in aggregates] == [
        ("", Decimal("2"), Decimal("1.005001"), 2),
        ("Azure Credit Applied", Decimal("0"), Decimal("24"), 1),
    ]
    subscription = session.execute(
        select(Subscription).where(Subscription.customer_id == aggregates[0].customer_id)
    ).scalar_one()
    assert subscription.product_family == "azure_plan" and subscription.needs_review
    detail = usage_detail(storage, TENANT, "2026-02", ["resource_group"], batches={summary.batch_id})  # type: ignore[arg-type]
    assert [(r["ResourceGroup"], r["BillingPreTaxTotal"]) for r in detail.iter_rows(named=True)] == [
        ("rg-a", Decimal("0.000001")),
        ("rg-b", Decimal("1.999999")),
        ("rg-prod", Decimal(0)),
    ]
    batch = session.get(ImportBatch, summary.batch_id)
    assert batch is not None and batch.archive_key and batch.archive_key.endswith("/u.csv.zst")
    archived = zstandard.ZstdDecompressor().decompressobj().decompress(storage.read_bytes(batch.archive_key))
    assert archived == (tmp_path / "u.csv").read_bytes()


def test_dry_run_writes_nothing(session: Session, storage: LocalStorage, tmp_path: Path) -> None:
    before = row_counts(session)
    summary = import_file(session, SYSTEM, storage, write(tmp_path / "r.csv", recon_csv([recon_line()])), dry_run=True)
    assert summary.status == "dry_run" and len(summary.new_customers) == 1
    assert row_counts(session) == before


SEATS = "5e1b7c2a-9d3f-4e8a-b6c1-2f4d6e8a0b1c"


def test_a_discovered_license_subscription_has_the_seats_of_its_latest_charge(
    session: Session, storage: LocalStorage, tmp_path: Path
) -> None:
    lines = [
        recon_line(
            CustomerId=TENANT, SubscriptionId=SEATS, Quantity="4", BillableQuantity="4", ChargeStartDate="2/1/2026"
        ),
        recon_line(
            CustomerId=TENANT,
            SubscriptionId=SEATS,
            ChargeType="addQuantity",
            Quantity="7",
            BillableQuantity="3",
            ChargeStartDate="2/14/2026",
            Subtotal="30.24",
            Total="30.24",
        ),
    ]
    summary = import_file(session, SYSTEM, storage, write(tmp_path / "seats.csv", recon_csv(lines)))
    assert [s["microsoft_id"] for s in summary.new_subscriptions] == [SEATS]
    subscription = session.execute(select(Subscription).where(Subscription.microsoft_id == SEATS)).scalar_one()
    assert subscription.quantity == 7 and subscription.needs_review
