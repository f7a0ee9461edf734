"""Billing: price list, contract terms, the ledger of balances and packages, charging done jobs, acts.

Pure domain code like the rest of `ticket_core`: money is `Decimal` in the contract's currency, never a
float; storage keeps it in minor units (kopecks, cents) as integers. See docs/billing.md.
"""
