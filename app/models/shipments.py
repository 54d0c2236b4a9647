"""Outbound shipments: SSCC allocation, packing cases, the units scanned into them, and the
ledger events each shipment recorded.

``sscc_allocations`` and ``shipment_events`` are append-only (the ledger's triggers): an
allocated SSCC is never given back, and the events a shipment recorded stay listed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, str_enum, utcnow


class ShipmentStatus(StrEnum):
    """Where a shipment is: being packed, packed (every case closed), shipped, cancelled."""

    OPEN = "open"
    PACKED = "packed"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


class SsccCounter(Base):
    """The next serial reference to allocate under one GS1 Company Prefix and extension digit.

    Locked ``FOR UPDATE`` by each allocation, in the transaction that records it, so two
    allocations never take one number and a rolled-back one gives its number back unseen.
    """

    __tablename__ = "sscc_counters"

    prefix: Mapped[str] = mapped_column(String(12), primary_key=True)
    extension: Mapped[str] = mapped_column(String(1), primary_key=True)
    next_serial: Mapped[int] = mapped_column(BigInteger)


class SsccAllocation(Base):
    """One SSCC handed out: which counter number it was, when and for whom (append-only)."""

    __tablename__ = "sscc_allocations"

    sscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(12))
    extension: Mapped[str] = mapped_column(String(1))
    serial: Mapped[int] = mapped_column(BigInteger)
    allocated_at: Mapped[datetime] = mapped_column(default=utcnow)
    allocated_by: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(String(100))


class Shipment(Base):
    """What the operator ships to one authorized partner's site.

    ``case_ref`` is an opaque named-patient case reference (never patient data).
    """

    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[ShipmentStatus] = mapped_column(str_enum(ShipmentStatus, 10), index=True)
    ship_to_id: Mapped[int] = mapped_column(ForeignKey("trading_partners.id"), index=True)
    ship_to_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    order_number: Mapped[str | None] = mapped_column(String(100))
    case_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    shipped_at: Mapped[datetime | None]
    shipped_by: Mapped[str | None] = mapped_column(String(100))
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(100))
    ship_event_hash: Mapped[str | None] = mapped_column(String(100))


class ShipmentCase(Base):
    """A packing case of a shipment, labelled with its SSCC; ``closed_at`` None while open."""

    __tablename__ = "shipment_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    sscc: Mapped[str] = mapped_column(ForeignKey("sscc_allocations.sscc"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(100))


class CaseUnit(Base):
    """A unit scanned into a case. ``active`` until its shipment ships or is cancelled: an
    active unit is in one case only (a partial unique index)."""

    __tablename__ = "shipment_case_units"
    __table_args__ = (
        Index("ix_shipment_case_units_active_unit", "unit_id", unique=True,
              postgresql_where=text("active"), sqlite_where=text("active")),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("shipment_cases.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    active: Mapped[bool] = mapped_column(default=True)
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id"))
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)
    scanned_by: Mapped[str] = mapped_column(String(100))


class ShipmentEvent(Base):
    """An EPCIS event the operator recorded for a shipment (pack, unpack, ship), in order
    (append-only)."""

    __tablename__ = "shipment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("shipment_cases.id"))
    kind: Mapped[str] = mapped_column(String(10))
    event_hash: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
