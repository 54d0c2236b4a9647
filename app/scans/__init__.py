"""Scan and verify: what a package in a staff member's hand is, by the ledger's unit state."""
