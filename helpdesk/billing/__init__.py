"""Billing in the composition root: act PDFs, the CLI's and the admin's reading of the ledger."""
