"""Wire shapes for adverse-event reports."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.adverse.service import AdverseSpec
from app.cases.schemas import Identifier, Line, ShortLine, Text
from app.models import AdverseEvent


class AdverseEventIn(BaseModel):
    """A report: who, when, how serious (ICH criteria), what happened, the outcome; about a unit
    (``identifier``) or a lot (``gtin`` and ``lot``)."""

    reporter_name: Line
    reporter_role: ShortLine = Field(description="e.g. physician, pharmacist, nurse")
    reported_on: date
    seriousness: str = Field(max_length=20, description="serious or non-serious")
    criteria: list[str] = Field(default=[], max_length=6, description=(
        "ICH seriousness criteria met: death, life_threatening, hospitalisation, disability, "
        "congenital_anomaly, other_medically_important"))
    description: Text
    outcome: str = Field(max_length=30, description=(
        "recovered, recovering, not_recovered, recovered_with_sequelae, fatal or unknown"))
    identifier: Identifier | None = None
    gtin: str | None = Field(default=None, min_length=14, max_length=14, pattern=r"^\d{14}$")
    lot: Line | None = Field(default=None, max_length=20)

    def spec(self) -> AdverseSpec:
        return AdverseSpec(self.reporter_name, self.reporter_role, self.reported_on,
                           self.seriousness, self.description, self.outcome,
                           tuple(c[:40] for c in self.criteria), self.identifier, self.gtin,
                           self.lot)


class AdverseEventOut(BaseModel):
    id: int
    case_ref: str
    identifier: str | None
    gtin: str
    lot: str | None
    reporter_name: str
    reporter_role: str
    reported_on: date
    seriousness: str
    criteria: list[str]
    description: str
    outcome: str
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, e: AdverseEvent, case_ref: str) -> AdverseEventOut:
        return cls(id=e.id, case_ref=case_ref, identifier=e.identifier, gtin=e.gtin, lot=e.lot,
                   reporter_name=e.reporter_name, reporter_role=e.reporter_role,
                   reported_on=e.reported_on, seriousness="serious" if e.serious else "non-serious",
                   criteria=list(e.criteria), description=e.description, outcome=e.outcome,
                   created_at=e.created_at, created_by=e.created_by)
