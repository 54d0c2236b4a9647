"""Suspect-product investigations and recalls: records kept, never changed or deleted.

Every table here is append-only in the database (UPDATE, DELETE and TRUNCATE refused). An
investigation's state is the last determining entry of its history, never an edited column.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, str_enum, utcnow


class EntryKind(StrEnum):
    """What one entry of an investigation's history records."""

    NOTE = "note"
    CLEARED = "cleared"
    ILLEGITIMATE = "illegitimate"
    NOTIFIED = "notified"  # FDA and the immediate trading partners were told
    FOLLOW_UP = "follow_up"
    TERMINATION = "termination"  # a request for termination was filed


class Investigation(Base):
    """A suspect-product investigation: why it was opened, by whom, what started it."""

    __tablename__ = "investigations"

    id: Mapped[int] = mapped_column(primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    opened_by: Mapped[str] = mapped_column(String(100))
    trigger: Mapped[str] = mapped_column(String(30))  # manual, verification, receiving, scan
    reason: Mapped[str] = mapped_column(Text)


class InvestigationUnit(Base):
    """A unit under investigation."""

    __tablename__ = "investigation_units"

    investigation_id: Mapped[int] = mapped_column(ForeignKey("investigations.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True, index=True)


class InvestigationEntry(Base):
    """One step of an investigation: a note, a determination, a notification, a report."""

    __tablename__ = "investigation_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    investigation_id: Mapped[int] = mapped_column(ForeignKey("investigations.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind))
    text: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Recall(Base):
    """A recall of lots of one product, issued by its brand owner (or the owner's agent)."""

    __tablename__ = "recalls"

    id: Mapped[int] = mapped_column(primary_key=True)
    gtin: Mapped[str] = mapped_column(String(14), index=True)
    recall_class: Mapped[str] = mapped_column(String(3))  # FDA class I, II or III
    reason: Mapped[str] = mapped_column(Text)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("trading_partners.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(100))


class RecallLot(Base):
    """A lot a recall names."""

    __tablename__ = "recall_lots"

    recall_id: Mapped[int] = mapped_column(ForeignKey("recalls.id"), primary_key=True)
    lot: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)


APPEND_ONLY = ("investigations", "investigation_units", "investigation_entries", "recalls",
               "recall_lots")
"""The tables of this module, each append-only in the database."""
