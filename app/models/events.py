"""Raw EPCIS documents as received, capture jobs, and the events they carried."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, str_enum, utcnow


class RawDocument(Base):
    """An EPCIS document exactly as a partner sent it (identified by partner and SHA-256)."""

    __tablename__ = "raw_documents"
    # One partner's same bytes twice are one document; two partners' are two (neither learns
    # from the answer that the other sent them).
    __table_args__ = (UniqueConstraint("partner_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobStatus(StrEnum):
    """Capture job states of the EPCIS 2.0 REST binding."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class CaptureJob(Base):
    """The processing of one raw document; all-or-nothing."""

    __tablename__ = "capture_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("raw_documents.id"), unique=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"))
    status: Mapped[JobStatus] = mapped_column(
        str_enum(JobStatus), default=JobStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    error_behaviour: Mapped[str | None] = mapped_column(String(10))  # GS1-Capture-Error-Behaviour
    event_count: Mapped[int | None]
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # findings that do not refuse
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class EpcisEvent(Base):
    """One accepted EPCIS event, identified by its CBV 2.0 event hash."""

    __tablename__ = "epcis_events"
    __table_args__ = (UniqueConstraint("document_id", "document_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_hash: Mapped[str] = mapped_column(String(100), unique=True)
    event_type: Mapped[str] = mapped_column(String(30))
    event_time: Mapped[datetime] = mapped_column(index=True)
    event_time_zone_offset: Mapped[str] = mapped_column(String(6))
    record_time: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[str | None] = mapped_column(String(10))
    biz_step: Mapped[str | None] = mapped_column(String(200), index=True)
    disposition: Mapped[str | None] = mapped_column(String(200))
    biz_location: Mapped[str | None] = mapped_column(String(200))
    document_id: Mapped[int] = mapped_column(ForeignKey("raw_documents.id"))
    document_index: Mapped[int]
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"), index=True)
    body: Mapped[str] = mapped_column(Text)  # the event alone, as EPCIS 2.0 JSON-LD


class EpcRole(StrEnum):
    """The field of an event naming an identifier, as the EPCIS 2.0 ``MATCH_*`` parameters
    (section 8.2.7.1) tell them apart; ``MATCH_anyEPC`` matches every role."""

    EPC = "epc"  # epcList, childEPCs: MATCH_epc
    PARENT = "parent"  # parentID: MATCH_parentID
    INPUT = "input"  # inputEPCList: MATCH_inputEPC
    OUTPUT = "output"  # outputEPCList: MATCH_outputEPC


class EventEpc(Base):
    """An identifier an event names, in one role, for ``MATCH_*`` queries.

    An identifier in two roles of one event (a TransformationEvent input that is also an
    output) has a row for each.

    On PostgreSQL the ``epc`` index compares bytes (``varchar_pattern_ops``), whatever the
    database's collation, so it serves ``MATCH_*`` pattern prefixes (``LIKE 'urn:...%'``)
    as well as exact identifiers.
    """

    __tablename__ = "event_epcs"
    __table_args__ = (
        Index("ix_event_epcs_epc", "epc", postgresql_ops={"epc": "varchar_pattern_ops"}),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("epcis_events.id"), primary_key=True)
    epc: Mapped[str] = mapped_column(String(200), primary_key=True)
    role: Mapped[EpcRole] = mapped_column(str_enum(EpcRole, 6), primary_key=True)


class EventReference(Base):
    """A read point, business transaction, source or destination an event names, for the
    ``EQ_readPoint``, ``EQ_bizTransaction_<type>``, ``EQ_source_<type>`` and
    ``EQ_destination_<type>`` query parameters. ``type`` is the CBV type URN ('' for a read
    point, or an entry without a type)."""

    __tablename__ = "event_references"

    event_id: Mapped[int] = mapped_column(ForeignKey("epcis_events.id"), primary_key=True)
    field: Mapped[str] = mapped_column(String(14), primary_key=True)
    type: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(String(500), primary_key=True, index=True)


class EventParty(Base):
    """A partner that may see an event: its submitter, source, destination or a custodian."""

    __tablename__ = "event_parties"

    event_id: Mapped[int] = mapped_column(ForeignKey("epcis_events.id"), primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("trading_partners.id"), primary_key=True, index=True
    )
