"""Wire shapes of trace requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.models import TraceReason, TraceRequest, TraceResponse
from app.traces.calendar import is_overdue
from app.traces.service import TraceSpec

Text = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")


class TraceRequestIn(BaseModel):
    """A request for information: who asks and why, about which product, wanting what."""

    requester: str = Text
    contact: str = Text
    reason: TraceReason
    incident_number: str | None = Field(None, max_length=40, pattern=r"^[A-Za-z0-9-]+$",
                                        description="Form FDA 3911 incident number")
    gtin: str | None = Field(None, pattern=r"^\d{8,14}$")
    ndc: str | None = Field(None, pattern=r"^[\d-]{10,13}$", description="10-digit NDC")
    serial: str | None = Field(None, min_length=1, max_length=20, pattern=r"^[!-~]+$")
    lot: str | None = Field(None, min_length=1, max_length=20, pattern=r"^[!-~]+$")
    response: TraceResponse
    fire_drill: bool = False

    def spec(self) -> TraceSpec:
        return TraceSpec(**self.model_dump())


class TraceRequestOut(BaseModel):
    id: int
    requester: str
    contact: str
    reason: TraceReason
    incident_number: str | None
    gtin: str
    serial: str | None
    lot: str | None
    response: TraceResponse
    fire_drill: bool
    received_at: datetime
    due_at: datetime
    overdue: bool
    status: str = Field(description="open or answered")
    answered_at: datetime | None
    answer: dict[str, Any] | None = Field(description="the answer from the ledger, once given")

    @classmethod
    def of(cls, row: TraceRequest, now: datetime, with_answer: bool = True) -> TraceRequestOut:
        return cls(
            id=row.id, requester=row.requester, contact=row.contact, reason=row.reason,
            incident_number=row.incident_number, gtin=row.gtin, serial=row.serial, lot=row.lot,
            response=row.response, fire_drill=row.fire_drill, received_at=row.received_at,
            due_at=row.due_at, overdue=is_overdue(row.due_at, row.answered_at, now),
            status="open" if row.answered_at is None else "answered",
            answered_at=row.answered_at, answer=row.answer if with_answer else None)
