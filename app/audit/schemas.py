"""Wire shapes of the audit trail."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from app.models import AuditRecord


class AuditOut(BaseModel):
    """One entry: who (key or staff, and the key's partner), what, when, from where, and the
    leaf of the log that proves it was not edited."""

    id: int
    at: datetime
    actor: str
    partner_id: int | None
    action: str
    object: str
    client: str | None
    request_id: str | None
    entry_hash: str
    leaf_index: int

    @classmethod
    def of(cls, row: AuditRecord) -> AuditOut:
        return cls.model_validate(row, from_attributes=True)


class AuditPageOut(BaseModel):
    entries: list[AuditOut]
    next_page_token: str | None
