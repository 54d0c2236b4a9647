"""Operational records: custody exceptions, scans, the audit log and API keys."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class CustodyException(Base):
    """Something that contradicts custody (shortage, unknown unit, wrong shipper ...)."""

    __tablename__ = "custody_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason_code: Mapped[str] = mapped_column(String(50), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    detail: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("epcis_events.id"))
    job_id: Mapped[str | None] = mapped_column(ForeignKey("capture_jobs.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class Scan(Base):
    """A barcode read at a station, and what verification concluded (``result``: the verdict)."""

    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    raw: Mapped[str] = mapped_column(Text)
    symbology: Mapped[str | None] = mapped_column(String(5))
    gtin: Mapped[str | None] = mapped_column(String(14))
    serial: Mapped[str | None] = mapped_column(String(20))
    lot: Mapped[str | None] = mapped_column(String(20))
    expiry: Mapped[date | None]
    sscc: Mapped[str | None] = mapped_column(String(18))
    result: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    station: Mapped[str | None] = mapped_column(String(100))
    operator: Mapped[str | None] = mapped_column(String(100))  # who: "staff:<username>", "key:<prefix>"
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    reasons: Mapped[list[str] | None] = mapped_column(JSON)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("scan_stations.id"))
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who did what, when: sign-in attempts, partner corrections (old and new values), station
    additions, and key and staff changes made before they went to the audit trail (decision
    0033). Append-only: the database refuses UPDATE and DELETE."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ApiKey(Base):
    """An API key: only its SHA-256 is stored; ``prefix`` finds it without a scan."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(12), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"))
    # A staff member's personal key: acts as them, with their roles (scopes then name the
    # permissions it is limited to; empty: all of the holder's).
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
