"""Receiving: a delivery checked against what was shipped, scan by scan, then closed.

A receiving is opened for an expected inbound shipment (a captured shipping event addressed
to the operator) or by hand for an unexpected delivery. Its expected contents are copied when
it opens (``receiving_lines``), so what staff reconcile against never moves under them; scans,
marks and the exceptions found at closing are append-only records.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class Receiving(Base):
    """One delivery being received; closed once (``closed_at``), with the receipt it recorded."""

    __tablename__ = "receivings"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment: Mapped[str | None] = mapped_column(String(100), unique=True)  # shipping event hash
    shipper_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"))
    reference: Mapped[str | None] = mapped_column(String(200))  # e.g. a carrier's delivery note
    opened_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    opened_by: Mapped[str] = mapped_column(String(100))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(100))
    receipt_job_id: Mapped[str | None] = mapped_column(ForeignKey("capture_jobs.id"))
    investigation_id: Mapped[int | None] = mapped_column(ForeignKey("investigations.id"))


class ReceivingLine(Base):
    """A unit or container the shipment holds, as it stood when the receiving opened.

    ``key`` is its GS1 key as an element string (``00<SSCC>`` or ``01<GTIN>21<serial>``), the
    form a scan is matched on; ``parent`` is the key of its container in the shipment.
    """

    __tablename__ = "receiving_lines"
    __table_args__ = (Index("ix_receiving_lines_parent", "receiving_id", "parent"),)

    receiving_id: Mapped[int] = mapped_column(ForeignKey("receivings.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(200))
    parent: Mapped[str | None] = mapped_column(String(40))
    # No foreign key to units (as custody_hops has none): a per-row check would cost more
    # than copying a 10,000-unit pallet; the copy reads the ids from units itself.
    unit_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    lot: Mapped[str | None] = mapped_column(String(20))
    expiry: Mapped[date | None]


class ReceivingScan(Base):
    """A scan (``scan``) or a damage mark (``damaged``) of one key during a receiving."""

    __tablename__ = "receiving_scans"
    __table_args__ = (Index("ix_receiving_scans_key", "receiving_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    receiving_id: Mapped[int] = mapped_column(ForeignKey("receivings.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(40))
    lot: Mapped[str | None] = mapped_column(String(20))  # as the label says
    expiry: Mapped[date | None]


class ReceivingException(Base):
    """What closing found wrong: a missing, extra, wrong-lot or damaged unit, a shortage of a
    container, a missing or mismatched TI/TS."""

    __tablename__ = "receiving_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    receiving_id: Mapped[int] = mapped_column(ForeignKey("receivings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    identifier: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text)


APPEND_ONLY = ("receiving_lines", "receiving_scans", "receiving_exceptions")
"""Tables of this module that are append-only in the database."""
