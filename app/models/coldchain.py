"""Cold chain: temperature readings per identifier, and the excursions that opened an
investigation. Both tables are append-only evidence (UPDATE, DELETE, TRUNCATE refused)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class TemperatureReading(Base):
    """A temperature measured on a unit or a container (SSCC), from ``at`` until the next.

    ``source`` is ``event:<event hash>`` for a captured EPCIS sensor report or
    ``upload:<digest>`` for a logger file; each source is one leg of the chain.
    """

    __tablename__ = "temperature_readings"
    __table_args__ = (Index("ix_temperature_readings_epc_at", "epc", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    epc: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    celsius: Mapped[float] = mapped_column(Float)
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(120), index=True)


class ColdChainAlert(Base):
    """A unit made suspect by one excursion evaluation (``fingerprint``): the investigation
    it opened. One per unit and fingerprint, so re-evaluating opens nothing new."""

    __tablename__ = "coldchain_alerts"
    __table_args__ = (UniqueConstraint("unit_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    investigation_id: Mapped[int] = mapped_column(ForeignKey("investigations.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


APPEND_ONLY = ("temperature_readings", "coldchain_alerts")
