"""Wire shapes for units: current state and a summary of the custody chain."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from app.models import UnitStatus


class HopSummary(BaseModel):
    seq: int
    kind: str
    from_party: str | None
    to_party: str | None
    location: str | None
    time: datetime
    event_hash: str


class UnitOut(BaseModel):
    identifier: str
    kind: str
    gtin: str | None
    serial: str | None
    lot: str | None
    expiry: date | None
    status: UnitStatus
    custodian_id: int | None
    destination_id: int | None
    location: str | None
    container: str | None
    contents: int
    chain: list[HopSummary]
