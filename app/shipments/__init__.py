"""Outbound shipments: SSCC cases packed by scan, shipped as EPCIS with DSCSA TI/TS."""
