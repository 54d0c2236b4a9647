"""GS1 keys shared by `epcis` and `scanners`: check digits and identifier conversions.

Pure: no service, database or web imports.
"""
