"""Printables: SSCC labels, packing and pick lists (PDF)."""
