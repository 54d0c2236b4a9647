"""Adverse-event reports on named-patient cases and their ICH E2B(R3) product block."""
