"""Named-patient cases, the patient-data vault, delivery confirmations and follow-ups.

A case is known outside Custody only by its opaque ``ref`` (random, never derived from patient
data). Patient data lives only in ``vault_records``, encrypted under the case's data key
(``vault_keys``), itself wrapped by a master key; destroying the key erases the data.
``case_history`` and ``vault_access`` are append-only.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, str_enum, utcnow


class CaseStatus(StrEnum):
    REQUESTED = "requested"
    AUTHORIZED = "authorized"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Pathway(StrEnum):
    NAMED_PATIENT = "named_patient"
    PERSONAL_IMPORT = "personal_import"


class Case(Base):
    """One patient's authorized supply of one drug to one destination (no patient data here)."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    pathway: Mapped[Pathway] = mapped_column(str_enum(Pathway))
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus), index=True)
    authorization_ref: Mapped[str | None] = mapped_column(String(100))
    authorization_issued: Mapped[date | None]
    authorization_expires: Mapped[date | None]
    prescriber_name: Mapped[str] = mapped_column(String(200))
    prescriber_licence: Mapped[str] = mapped_column(String(100))
    prescriber_country: Mapped[str] = mapped_column(String(2))
    receiver_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"))
    receiver_address: Mapped[str | None] = mapped_column(Text)
    gtin: Mapped[str] = mapped_column(String(14))
    quantity: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    status_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseHistory(Base):
    """A status change or note on a case, append-only."""

    __tablename__ = "case_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus))
    note: Mapped[str | None] = mapped_column(Text)


class CaseLink(Base):
    """Units (or a container) shipped under a case, with the salted commitment that ties the
    case's patient to them without naming the patient. Append-only."""

    __tablename__ = "case_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    identifiers: Mapped[list[str]] = mapped_column(JSON)
    gtin: Mapped[str] = mapped_column(String(14))
    quantity: Mapped[int]
    commitment: Mapped[str | None] = mapped_column(String(64))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))


class VaultKey(Base):
    """A case's data key wrapped by the master key ``master_key_id``, and its commitment salt
    (encrypted under the data key). Shredded: both gone, ``shredded_at`` set."""

    __tablename__ = "vault_keys"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    master_key_id: Mapped[str | None] = mapped_column(String(32), index=True)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed_salt: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    shredded_at: Mapped[datetime | None]
    shred_reason: Mapped[str | None] = mapped_column(String(100))


class VaultRecord(Base):
    """One piece of a case's patient data (``kind``: patient, or a document kind), AES-GCM
    sealed under the case's data key. Filenames and media types are inside the ciphertext."""

    __tablename__ = "vault_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))


class VaultAccess(Base):
    """Who read, exported, erased or re-keyed a case's patient data, and when (no data).
    Append-only."""

    __tablename__ = "vault_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RetentionPolicy(Base):
    """How long patient data is kept after a case ends, per destination country (``*``: the
    default), and how long transaction records are kept (the ledger keeps them, DSCSA: 6 years)."""

    __tablename__ = "retention_policies"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    patient_data_days: Mapped[int]
    transaction_years: Mapped[int]


class ConfirmationLink(Base):
    """A one-off, expiring, revocable link for a receiver to confirm a delivery. Only the
    SHA-256 of its secret is kept."""

    __tablename__ = "confirmation_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    identifiers: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    confirmation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    job_id: Mapped[str | None] = mapped_column(ForeignKey("capture_jobs.id"))


class FollowUp(Base):
    """The call 48 hours after delivery: due time, owner, status (open or done)."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    due_at: Mapped[datetime] = mapped_column(index=True)
    owner: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="open")
    done_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(Text)
