"""Builders for ledger tests."""

from datetime import UTC, datetime, timedelta

from app.ledger.core import HopSpec
from app.ledger.service import Entry

T0 = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
MFG, WHOLESALER, PHARMACY = (
    "urn:epc:id:pgln:0312345.00000",
    "urn:epc:id:pgln:0360001.00000",
    "urn:epc:id:pgln:0370002.00000",
)


def sgtin(n: int) -> str:
    return f"urn:epc:id:sgtin:0312345.060011.{n}"


def event_hash(n: int) -> str:
    return f"ni:///sha-256;{n:064x}?ver=CBV2.0"


def entry(n: int, hops: list[HopSpec] | None = None, partner: str = MFG) -> Entry:
    return Entry(event_hash(n), T0 + timedelta(seconds=n), partner, tuple(hops or ()))


def commission(n: int, unit: str) -> Entry:
    return entry(n, [HopSpec(unit, "commission", None, MFG, "urn:epc:id:sgln:0312345.00000.0", T0)])


def ship(n: int, unit: str, src: str, dst: str) -> Entry:
    return entry(n, [HopSpec(unit, "ship", src, dst, None, T0 + timedelta(hours=n))], partner=src)
