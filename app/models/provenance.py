"""Provenance for regulators: the audit trail of who read what, and trace requests.

``audit_trail`` is append-only (triggers, as the ledger tables): each row is one read of
custody data with parties (a report, a bundle, a trace answer, a chain) or a staff read of a
sensitive page, and its hash is a leaf of the Merkle log (decision record
``docs/decisions/0025-audit-entries-in-the-log.md``). It names objects, never their content.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, str_enum
from app.models.ledger import BIG_ID


class AuditRecord(Base):
    """Who read what, when, from where; ``entry_hash`` is its leaf's event hash."""

    __tablename__ = "audit_trail"
    __table_args__ = (Index("ix_audit_trail_actor_id", "actor", "id"),
                      Index("ix_audit_trail_object_id", "object", "id"))

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    at: Mapped[datetime]  # whole milliseconds, as the leaf hashes it
    actor: Mapped[str] = mapped_column(String(100))  # "key:<prefix>" or "staff:<username>"
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"))
    action: Mapped[str] = mapped_column(String(50))
    object: Mapped[str] = mapped_column(String(200))
    client: Mapped[str | None] = mapped_column(String(64))  # the client's address
    request_id: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(100))
    leaf_index: Mapped[int] = mapped_column(BigInteger)


class TraceReason(StrEnum):
    SUSPECT_PRODUCT = "suspect-product"
    ILLEGITIMATE_PRODUCT = "illegitimate-product"
    RECALL_INVESTIGATION = "recall-investigation"
    COMPLIANCE_AUDIT = "compliance-audit"
    HEALTH_AUTHORITY_INSPECTION = "health-authority-inspection"


class TraceResponse(StrEnum):
    """What the requester wants back."""

    TRANSACTION_INFORMATION = "transaction-information"
    ALL_KNOWN_OWNERS = "all-known-owners"
    LAST_KNOWN_OWNER = "last-known-owner"


class TraceRequest(Base):
    """A request for information about a product from a regulator or a trading partner."""

    __tablename__ = "trace_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("trading_partners.id"), index=True)  # None: an operator or regulator key
    requested_by: Mapped[str] = mapped_column(String(100))  # the key or staff that filed it
    requester: Mapped[str] = mapped_column(String(200))  # the organisation, as it names itself
    contact: Mapped[str] = mapped_column(String(200))
    reason: Mapped[TraceReason] = mapped_column(str_enum(TraceReason, 40))
    incident_number: Mapped[str | None] = mapped_column(String(40))  # Form FDA 3911
    gtin: Mapped[str] = mapped_column(String(14))
    serial: Mapped[str | None] = mapped_column(String(20))
    lot: Mapped[str | None] = mapped_column(String(20))
    response: Mapped[TraceResponse] = mapped_column(str_enum(TraceResponse, 40))
    fire_drill: Mapped[bool]
    received_at: Mapped[datetime]
    due_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[str | None] = mapped_column(String(100))
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
