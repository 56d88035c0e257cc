"""Billing questions answered: every invoice line in plain words, and why an invoice differs from another one."""
