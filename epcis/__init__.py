"""EPCIS 1.2/2.0 (XML and JSON-LD) <-> one typed model, CBV 2.0 event hashes, DSCSA checks.

A pure library: it never imports the Custody service, SQLAlchemy, FastAPI or psycopg.
"""
