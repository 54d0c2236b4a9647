"""Verification (VRS): answers this responder gave, routes to other responders, answers received.

``vrs_evidence`` is append-only: each row is one request this instance answered and the exact
bytes it answered with, and its hash is a leaf of the Merkle log (decision record
``docs/decisions/0016-vrs-evidence.md``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow
from app.models.ledger import BIG_ID


class VrsEvidence(Base):
    """One verification request this instance answered as responder, and its answer."""

    __tablename__ = "vrs_evidence"
    __table_args__ = (
        Index("ix_vrs_evidence_requester_corr", "requester_id", "corr_uuid", unique=True),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("trading_partners.id"))
    corr_uuid: Mapped[str] = mapped_column(String(36))
    request: Mapped[bytes] = mapped_column(LargeBinary)  # canonical JSON of the request fields
    response: Mapped[bytes] = mapped_column(LargeBinary)  # the 200 body, byte for byte
    evidence_hash: Mapped[str] = mapped_column(String(100))  # the log leaf's event_hash
    leaf_index: Mapped[int] = mapped_column(BigInteger)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class VrsRoute(Base):
    """Where to ask about GTINs under ``prefix`` (a GS1 Company Prefix or a whole GTIN-14)."""

    __tablename__ = "vrs_routes"

    prefix: Mapped[str] = mapped_column(String(14), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))  # the responder's base, e.g. https://x/vrs
    api_key: Mapped[str] = mapped_column(String(200))  # the key that responder issued us
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Verification(Base):
    """One verification this instance asked of a brand owner's responder, and what came back."""

    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    gtin: Mapped[str] = mapped_column(String(14))
    serial: Mapped[str] = mapped_column(String(20))
    lot: Mapped[str] = mapped_column(String(20))
    expiry: Mapped[date]
    context: Mapped[str] = mapped_column(String(50))
    corr_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    responder_url: Mapped[str] = mapped_column(String(500))
    status_code: Mapped[int | None]  # None: no answer (timeout, refused connection)
    responder_gln: Mapped[str | None] = mapped_column(String(13))
    verified: Mapped[bool | None]
    failure_reason: Mapped[str | None] = mapped_column(String(50))
    additional_info: Mapped[str | None] = mapped_column(String(50))
    answer: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
