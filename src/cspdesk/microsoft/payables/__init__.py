"""Payables to Microsoft: Microsoft invoices, payments made to Microsoft, what is due when, reconciliation."""
