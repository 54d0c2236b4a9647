"""Adverse-event reports on named-patient cases (append-only: a correction is a follow-up report).

A report names the case by its id (never the patient: patient data stays in the vault) and the
product by unit (``identifier``) or by lot (``gtin`` and ``lot``). Reporter and description are
operator-internal.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class AdverseEvent(Base):
    """One adverse-event report: who reported what, how serious (ICH criteria), the outcome."""

    __tablename__ = "adverse_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    identifier: Mapped[str | None] = mapped_column(String(200))  # the unit, when one is known
    gtin: Mapped[str] = mapped_column(String(14))
    lot: Mapped[str | None] = mapped_column(String(20))
    reporter_name: Mapped[str] = mapped_column(String(200))
    reporter_role: Mapped[str] = mapped_column(String(100))
    reported_on: Mapped[date]
    serious: Mapped[bool]
    criteria: Mapped[list[str]] = mapped_column(JSON)  # ICH seriousness criteria met
    description: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
