"""Customer billing: price rules, invoice runs, invoices and credit notes, payments and receivables."""
