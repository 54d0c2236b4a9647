"""Ingest: turn captured EPCIS documents into events, custody changes and ledger leaves."""
