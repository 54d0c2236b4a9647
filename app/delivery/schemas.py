"""Wire shapes for confirmation links, confirmations and follow-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.delivery.service import Confirmation
from app.models import ConfirmationLink

Line = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True,
                                        pattern=r"^[^\x00-\x1f\x7f]*$")]


class LinkRequest(BaseModel):
    hours: int = Field(default=72, ge=1, le=720)


class LinkIssued(BaseModel):
    id: int
    case_ref: str
    url: str
    expires_at: datetime
    identifiers: list[str]


class LinkState(BaseModel):
    id: int
    created_at: datetime
    created_by: str
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    confirmation: dict | None
    job_id: str | None

    @classmethod
    def of(cls, link: ConfirmationLink) -> LinkState:
        return cls(id=link.id, created_at=link.created_at, created_by=link.created_by,
                   expires_at=link.expires_at, used_at=link.used_at, revoked_at=link.revoked_at,
                   confirmation=link.confirmation, job_id=link.job_id)


class ConfirmationIn(BaseModel):
    """The receiver's statement: their identity as they give it, condition and storage. No
    patient data."""

    confirmer_name: Line
    confirmer_role: Line
    institution: Line
    condition: str = Field(pattern="^(intact|damaged)$")
    storage_ok: bool
    storage_note: Annotated[str, StringConstraints(max_length=1000)] = ""
    received_at: datetime | None = None

    def value(self) -> Confirmation:
        return Confirmation(self.confirmer_name, self.confirmer_role, self.institution,
                            self.condition, self.storage_ok, self.storage_note, self.received_at)


class ConfirmedOut(BaseModel):
    case_ref: str
    status: str
    job_id: str | None
    follow_up_due: datetime | None


class FollowUpIn(BaseModel):
    owner: Annotated[str, StringConstraints(max_length=100)] | None = None
    done: bool = False
    outcome: Annotated[str, StringConstraints(max_length=10_000)] | None = None
