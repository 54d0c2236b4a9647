"""Wire shapes for quarantine, investigations and Form FDA 3911 drafts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from app.investigations.service import Selection, View
from app.models import UnitStatus

Text = Field(min_length=1, max_length=10_000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")
"""Free text: any character a database keeps and a page shows, tab and line breaks included."""
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=200,
                                              pattern=r"^[^\x00-\x20\x7f]+$")]
"""An EPC URN or GS1 Digital Link (``units.identifier`` holds 200 characters)."""


class SelectionIn(BaseModel):
    """Units named (EPC URNs or GS1 Digital Links; a case stands for its contents), or a lot."""

    identifiers: list[Identifier] = Field(default=[], max_length=10_000)
    gtin: str | None = Field(default=None, max_length=14)
    lot: str | None = Field(default=None, max_length=20)

    def selection(self) -> Selection:
        return Selection(tuple(self.identifiers), self.gtin, self.lot)


class HeldOut(BaseModel):
    units: list[str]


class InvestigationIn(BaseModel):
    identifiers: list[Identifier] = Field(min_length=1, max_length=10_000)
    reason: str = Text
    trigger: str = "manual"


class NoteIn(BaseModel):
    text: str = Text


class Contact(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=50)
    email: str | None = Field(default=None, max_length=200)


class DetermineIn(BaseModel):
    """An illegitimate determination: the 3911 classification and a description of the event."""

    classification: str
    description: str = Text
    contact: Contact | None = None


class NotifiedIn(BaseModel):
    incident_number: str | None = Field(default=None, max_length=50)
    text: str | None = Field(default=None, max_length=10_000)


class ReportIn(BaseModel):
    type: str
    text: str = Text
    incident_number: str | None = Field(default=None, max_length=50)


class UnitRef(BaseModel):
    identifier: str
    status: UnitStatus
    gtin: str | None
    serial: str | None
    lot: str | None
    expiry: date | None


class EntryOut(BaseModel):
    at: datetime
    actor: str
    kind: str
    text: str | None
    data: dict[str, Any]


class PartnerToNotify(BaseModel):
    gln: str
    name: str | None
    role: str
    units: list[str]


class InvestigationOut(BaseModel):
    id: int
    status: str
    opened_at: datetime
    opened_by: str
    trigger: str
    reason: str
    determined_at: datetime | None
    notified_at: datetime | None
    deadline: datetime | None
    overdue: bool
    units: list[UnitRef]
    partners_to_notify: list[PartnerToNotify] | None
    entries: list[EntryOut]

    @classmethod
    def of(cls, view: View, now: datetime, partners: bool = True) -> InvestigationOut:
        i = view.investigation
        return cls(
            id=i.id, status=view.status, opened_at=i.opened_at, opened_by=i.opened_by,
            trigger=i.trigger, reason=i.reason, determined_at=view.determined_at,
            notified_at=view.notified_at, deadline=view.deadline, overdue=view.overdue(now),
            units=[UnitRef.model_validate(u, from_attributes=True) for u in view.units],
            partners_to_notify=[PartnerToNotify(**p) for p in view.partners] if partners else None,
            entries=[EntryOut.model_validate(e, from_attributes=True) for e in view.entries],
        )


class ClearedOut(BaseModel):
    investigation: InvestigationOut
    notice: dict[str, Any]
