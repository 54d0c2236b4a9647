"""Custody: the DSCSA chain-of-custody ledger service."""

__version__ = "0.1.0"
