"""Wire shapes for trading partners and locations."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from app.models.partners import PartnerKind


class AddressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    street: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str


class LicenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    number: str
    jurisdiction: str
    valid_from: date | None
    valid_to: date | None


class LocationOut(AddressOut):
    id: int
    name: str
    gln: str
    sgln: str


class PartnerOut(AddressOut):
    id: int
    legal_name: str
    kind: PartnerKind
    authorized: bool
    exception_policy: str
    glns: list[str]
    licences: list[LicenceOut]
    locations: list[LocationOut]


class LicenceIn(BaseModel):
    kind: str = Field(min_length=1, max_length=50)
    jurisdiction: str = Field(min_length=1, max_length=50)
    number: str = Field(min_length=1, max_length=100)
    valid_from: date | None = None
    valid_to: date | None = None


class LocationIn(BaseModel):
    sgln: str = Field(description="urn:epc:id:sgln:...")
    name: str = Field(min_length=1, max_length=200)


class PartnerIn(BaseModel):
    legal_name: str = Field(min_length=1, max_length=200)
    kind: PartnerKind
    glns: list[str] = Field(default_factory=list)
    licences: list[LicenceIn] = Field(default_factory=list)
    locations: list[LocationIn] = Field(default_factory=list)
    authorized: bool = True
    exception_policy: str = Field(default="rollback", pattern="^(rollback|proceed)$")
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str = Field(default="US", min_length=2, max_length=2)
