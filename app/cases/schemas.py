"""Wire shapes for cases, their patient data and shipment links."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.cases.service import Authorization, CaseSpec
from app.models import Case, CaseLink, CaseStatus, FollowUp, Pathway
from app.vault.service import DocumentInfo, PatientData, PatientFile

Line = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True,
                                        pattern=r"^[^\x00-\x1f\x7f]*$")]
ShortLine = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True,
                                             pattern=r"^[^\x00-\x1f\x7f]*$")]
"""A line stored in a 100-character column (references, licence numbers, roles, reasons)."""
Text = Annotated[str, StringConstraints(max_length=10_000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=200,
                                              pattern=r"^[^\x00-\x20\x7f]+$")]


class AuthorizationIn(BaseModel):
    authorization_ref: ShortLine
    authorization_issued: date
    authorization_expires: date

    def value(self) -> Authorization:
        return Authorization(self.authorization_ref, self.authorization_issued,
                             self.authorization_expires)


class CaseIn(BaseModel):
    """A case as requested: where, how, who prescribes, who receives, what and how much."""

    country: str = Field(min_length=2, max_length=2, description="ISO 3166 alpha-2")
    pathway: Pathway = Pathway.NAMED_PATIENT
    prescriber_name: Line
    prescriber_licence: ShortLine
    prescriber_country: str = Field(min_length=2, max_length=2)
    receiver_gln: str | None = Field(default=None, max_length=13)
    receiver_address: Text | None = None
    drug: str = Field(min_length=1, max_length=14, description="GTIN or 10-digit NDC (5-4-1)")
    quantity: int = Field(ge=1, le=1_000_000)
    authorization: AuthorizationIn | None = None

    def spec(self) -> CaseSpec:
        return CaseSpec(self.country, self.pathway, self.prescriber_name, self.prescriber_licence,
                        self.prescriber_country, self.drug, self.quantity, self.receiver_gln,
                        self.receiver_address,
                        self.authorization.value() if self.authorization else None)


class StatusIn(BaseModel):
    status: CaseStatus
    note: Text | None = None


class LinkIn(BaseModel):
    identifiers: list[Identifier] = Field(min_length=1, max_length=10_000)


class LinkOut(BaseModel):
    identifiers: list[str]
    gtin: str
    quantity: int
    commitment: str | None
    linked_at: datetime
    actor: str

    @classmethod
    def of(cls, link: CaseLink) -> LinkOut:
        return cls(identifiers=link.identifiers, gtin=link.gtin, quantity=link.quantity,
                   commitment=link.commitment, linked_at=link.linked_at, actor=link.actor)


class HistoryOut(BaseModel):
    at: datetime
    actor: str
    status: CaseStatus
    note: str | None


class FollowUpOut(BaseModel):
    id: int
    case_ref: str
    due_at: datetime
    status: str
    owner: str | None
    overdue: bool
    done_at: datetime | None
    outcome: str | None

    @classmethod
    def of(cls, follow_up: FollowUp, ref: str, now: datetime) -> FollowUpOut:
        return cls(id=follow_up.id, case_ref=ref, due_at=follow_up.due_at, status=follow_up.status,
                   owner=follow_up.owner, done_at=follow_up.done_at, outcome=follow_up.outcome,
                   overdue=follow_up.status == "open" and now > follow_up.due_at)


class CaseOut(BaseModel):
    """A case as staff see it: never any patient data."""

    ref: str
    country: str
    pathway: Pathway
    status: CaseStatus
    authorization_ref: str | None
    authorization_issued: date | None
    authorization_expires: date | None
    prescriber_name: str
    prescriber_licence: str
    prescriber_country: str
    receiver_name: str | None
    receiver_address: str | None
    gtin: str
    quantity: int
    remaining: int
    created_at: datetime
    status_at: datetime
    links: list[LinkOut] = []
    history: list[HistoryOut] = []
    follow_up: FollowUpOut | None = None

    @classmethod
    def of(cls, case: Case, remaining: int, receiver_name: str | None, links=(), history=(),
           follow_up: FollowUpOut | None = None) -> CaseOut:
        return cls(
            ref=case.ref, country=case.country, pathway=case.pathway, status=case.status,
            authorization_ref=case.authorization_ref,
            authorization_issued=case.authorization_issued,
            authorization_expires=case.authorization_expires,
            prescriber_name=case.prescriber_name, prescriber_licence=case.prescriber_licence,
            prescriber_country=case.prescriber_country, receiver_name=receiver_name,
            receiver_address=case.receiver_address, gtin=case.gtin, quantity=case.quantity,
            remaining=remaining, created_at=case.created_at, status_at=case.status_at,
            links=[LinkOut.of(x) for x in links],
            history=[HistoryOut(at=h.at, actor=h.actor, status=h.status, note=h.note)
                     for h in history],
            follow_up=follow_up)


class PatientIn(BaseModel):
    name: Line
    date_of_birth: date
    prescription: Text = ""
    clinical_justification: Text = ""

    def value(self) -> PatientData:
        return PatientData(self.name, self.date_of_birth, self.prescription,
                           self.clinical_justification)


class DocumentOut(BaseModel):
    id: int
    kind: str
    filename: str
    media_type: str
    size: int
    sha256: str
    created_at: datetime

    @classmethod
    def of(cls, info: DocumentInfo) -> DocumentOut:
        return cls(**info.__dict__)


class PatientOut(BaseModel):
    name: str | None
    date_of_birth: date | None
    prescription: str | None
    clinical_justification: str | None
    documents: list[DocumentOut]

    @classmethod
    def of(cls, found: PatientFile) -> PatientOut:
        p = found.patient
        return cls(name=p.name if p else None, date_of_birth=p.date_of_birth if p else None,
                   prescription=p.prescription if p else None,
                   clinical_justification=p.clinical_justification if p else None,
                   documents=[DocumentOut.of(d) for d in found.documents])


class EraseIn(BaseModel):
    reason: ShortLine = "data subject's request (GDPR art. 17)"


class ErasedOut(BaseModel):
    case_ref: str
    erased: bool
