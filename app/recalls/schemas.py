"""Wire shapes for recalls."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.recalls.service import RecallSpec, RecallView


class RecallIn(BaseModel):
    """``{"gtin", "lots": [...], "class", "reason"}``."""

    model_config = ConfigDict(populate_by_name=True)

    gtin: str = Field(max_length=14)
    lots: list[str] = Field(min_length=1, max_length=1000)
    recall_class: str = Field(alias="class")
    reason: str = Field(min_length=1, max_length=10_000,
                        pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")

    def spec(self) -> RecallSpec:
        return RecallSpec(self.gtin, tuple(self.lots), self.recall_class, self.reason)


class Custodian(BaseModel):
    gln: str
    name: str | None
    units: int
    in_transit: int


class RecallOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    gtin: str
    lots: list[str]
    recall_class: str = Field(serialization_alias="class")
    reason: str
    issuer: str
    recorded_at: datetime
    recorded_by: str
    units: int
    recalled_here: list[str]
    custodians_to_notify: list[Custodian]

    @classmethod
    def of(cls, view: RecallView) -> RecallOut:
        r = view.recall
        return cls(id=r.id, gtin=r.gtin, lots=view.lots, recall_class=r.recall_class,
                   reason=r.reason, issuer=view.issuer, recorded_at=r.recorded_at,
                   recorded_by=r.recorded_by, units=view.units, recalled_here=view.recalled_here,
                   custodians_to_notify=[Custodian(**c) for c in view.custodians])
