"""Units: serialized packages (SGTIN) and logistic units (SSCC)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, str_enum, utcnow


class UnitStatus(StrEnum):
    """Where a unit is in its life."""

    COMMISSIONED = "commissioned"
    PACKED = "packed"
    SHIPPED = "shipped"
    RECEIVED = "received"
    DISPENSED = "dispensed"
    RETURNED = "returned"
    QUARANTINED = "quarantined"
    RECALLED = "recalled"
    DECOMMISSIONED = "decommissioned"
    DESTROYED = "destroyed"


class Unit(Base):
    """One identified thing whose custody Custody records.

    Its identity is its GS1 key, whatever EPC partition names it: GTIN and serial for an
    SGTIN, the 18 digits for an SSCC; the database holds each key once.
    """

    __tablename__ = "units"
    __table_args__ = (
        Index("ix_units_gtin_serial", "gtin", "serial", unique=True),
        Index("ix_units_gtin_lot", "gtin", "lot", "id"),  # lot reports page by id
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # "sgtin" or "sscc"
    gtin: Mapped[str | None] = mapped_column(String(14))
    serial: Mapped[str | None] = mapped_column(String(20))
    sscc: Mapped[str | None] = mapped_column(String(18), unique=True, index=True)
    lot: Mapped[str | None] = mapped_column(String(20))
    expiry: Mapped[date | None]
    status: Mapped[UnitStatus] = mapped_column(str_enum(UnitStatus))
    custodian_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    destination_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"))  # in transit to
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
