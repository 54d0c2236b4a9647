"""Wire shapes for trading partners and locations."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

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
    glns: list[str]
    licences: list[LicenceOut]
    locations: list[LocationOut]
