"""Bank statement CSV import: credits matched by invoice number or customer payment reference, the rest queued.

Columns (by header name, any order, case-insensitive): date (YYYY-MM-DD), amount (e.g. 1234.56), currency,
reference, counterparty. One bad row rejects the whole file with its line and column; nothing is changed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.billing import payments
from cspdesk.billing.pdf import payment_reference
from cspdesk.kit import audit, clock
from cspdesk.kit.errors import NotFound, ValidationFailed, field_error
from cspdesk.kit.money import Money, is_currency
from cspdesk.models.billing import Invoice
from cspdesk.models.billing_payments import BankStatementLine
from cspdesk.models.customer import Customer

REQUIRED = ("date", "amount", "currency", "reference")
_NUMBER = re.compile(r"\b([A-Z]{1,8}-\d{4}-\d{6})\b")
_CUSTOMER_REF = re.compile(r"\bC-([0-9A-F]{8})\b")


@dataclass(frozen=True)
class BankRow:
    line_no: int
    booking_date: date
    amount: Money
    reference: str
    counterparty: str


@dataclass
class ImportResult:
    matched: int = 0
    unmatched: int = 0
    duplicates: int = 0
    ignored: int = 0


def parse_statement(text: str) -> list[BankRow]:
    """Every row or none: the first problems are reported as 'line N, column X'."""
    reader = csv.DictReader(io.StringIO(text))
    headers = {h.strip().lower(): h for h in reader.fieldnames or []}
    missing = [name for name in REQUIRED if name not in headers]
    if missing:
        raise ValidationFailed(
            f"bank file: missing column(s) {', '.join(missing)}",
            details=[field_error(f"line 1, column {name}", "missing") for name in missing],
        )
    rows, errors = [], []
    for line_no, raw in enumerate(reader, start=2):
        values = {key: (raw.get(original) or "").strip() for key, original in headers.items()}
        row, problems = _parse_row(line_no, values)
        errors.extend(problems)
        if row is not None:
            rows.append(row)
    if errors:
        raise ValidationFailed(f"bank file has {len(errors)} bad value(s); nothing was imported", details=errors[:50])
    return rows


def _parse_row(line_no: int, values: dict[str, str]) -> tuple[BankRow | None, list[dict[str, str]]]:
    errors = []
    try:
        booking_date = date.fromisoformat(values["date"])
    except ValueError:
        errors.append(field_error(f"line {line_no}, column date", f"not a date (YYYY-MM-DD): {values['date']!r}"))
    currency = values["currency"].upper()
    if not is_currency(currency):
        errors.append(field_error(f"line {line_no}, column currency", f"unknown currency {values['currency']!r}"))
    else:
        try:
            amount = Money.parse(values["amount"], currency)
        except ValueError as exc:
            errors.append(field_error(f"line {line_no}, column amount", str(exc)))
    if errors:
        return None, errors
    return BankRow(line_no, booking_date, amount, values["reference"], values.get("counterparty", "")), []


def _line_key(file_name: str, row: BankRow) -> str:
    text = (
        f"{row.booking_date}|{row.amount.minor}|{row.amount.currency}|{row.reference}|{row.counterparty}|{row.line_no}"
    )
    return hashlib.sha256(f"{file_name}|{text}".encode()).hexdigest()


def import_statement(session: Session, principal: Principal, file_name: str, text: str) -> ImportResult:
    """Import credits; debits are ignored; the same file imported twice adds nothing."""
    principal.require(Permission.PAYMENTS_WRITE)
    rows = parse_statement(text)
    result = ImportResult()
    for row in rows:
        if row.amount.minor <= 0:
            result.ignored += 1
            continue
        key = _line_key(file_name, row)
        if session.execute(select(BankStatementLine.id).where(BankStatementLine.line_key == key)).first():
            result.duplicates += 1
            continue
        line = _store(session, file_name, row, key)
        if _match(session, principal, line):
            result.matched += 1
        else:
            result.unmatched += 1
    audit.record(session, principal, "bank.import", "bank_statement", file_name, after=vars(result))
    return result


def _store(session: Session, file_name: str, row: BankRow, key: str) -> BankStatementLine:
    line = BankStatementLine(
        line_key=key,
        file_name=file_name,
        line_no=row.line_no,
        booking_date=row.booking_date,
        amount_minor=row.amount.minor,
        currency=row.amount.currency,
        reference=row.reference,
        counterparty=row.counterparty,
        imported_at=clock.now(),
    )
    session.add(line)
    session.flush()
    return line


def find_target(session: Session, reference: str) -> tuple[Customer | None, Invoice | None]:
    """An issued invoice named in the reference, else a customer whose payment reference appears."""
    for number in _NUMBER.findall(reference.upper()):
        invoice = session.execute(
            select(Invoice).where(Invoice.number == number, Invoice.status == "issued")
        ).scalar_one_or_none()
        if invoice is not None:
            return invoice.customer, invoice
    for code in _CUSTOMER_REF.findall(reference.upper()):
        for customer in session.execute(select(Customer)).scalars():
            if payment_reference(customer.id) == f"C-{code}":
                return customer, None
    return None, None


def _match(session: Session, principal: Principal, line: BankStatementLine) -> bool:
    customer, invoice = find_target(session, line.reference)
    if customer is None or customer.billing_currency != line.currency:
        return False
    _pay(session, principal, line, customer.id, invoice.id if invoice else None)
    line.status = "matched"
    return True


def _pay(
    session: Session,
    principal: Principal,
    line: BankStatementLine,
    customer_id: uuid.UUID,
    invoice_id: uuid.UUID | None,
) -> None:
    payment = payments.record_payment(
        session,
        principal,
        customer_id,
        line.amount_minor,
        line.currency,
        line.booking_date,
        reference=line.reference,
        invoice_id=invoice_id,
        method="bank",
        external_id=f"bank:{line.line_key}",
    )
    line.payment_id = payment.id


def assign_line(
    session: Session, principal: Principal, line_id: uuid.UUID, customer_id: uuid.UUID, invoice_id: uuid.UUID | None
) -> BankStatementLine:
    """A person assigns an unmatched bank line to a customer (and optionally an invoice)."""
    principal.require(Permission.PAYMENTS_WRITE)
    line = session.get(BankStatementLine, line_id)
    if line is None or line.status != "unmatched":
        raise NotFound("unmatched bank line not found")
    _pay(session, principal, line, customer_id, invoice_id)
    line.status = "assigned"
    session.flush()
    audit.record(session, principal, "bank.assign", "bank_line", line.id, after={"customer_id": str(customer_id)})
    return line
