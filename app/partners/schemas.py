"""Wire shapes for trading partners and locations."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.models.partners import PartnerKind, TradingPartner
from app.partners.service import LicenceSpec, LocationSpec, PartnerSpec

Text = Annotated[str, StringConstraints(pattern=r"^[^\x00-\x1f\x7f]*$")]
"""Printable text: names and addresses carry no control characters (nor NUL, which
PostgreSQL cannot store)."""


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
    prefixes: list[str] = Field(description="GS1 Company Prefixes it holds (brand ownership)")
    licences: list[LicenceOut]
    locations: list[LocationOut]
    agent_for: list[str] = Field(description="GLNs of the brand owners it commissions for")

    @classmethod
    def of(cls, partner: TradingPartner) -> PartnerOut:
        """The partner as the API and CLI show it (its details loaded, see the repository)."""
        return cls(
            id=partner.id,
            legal_name=partner.legal_name,
            kind=partner.kind,
            authorized=partner.authorized,
            exception_policy=partner.exception_policy,
            street=partner.street,
            city=partner.city,
            state=partner.state,
            postal_code=partner.postal_code,
            country=partner.country,
            glns=[g.gln for g in partner.glns],
            prefixes=sorted(p.prefix for p in partner.prefixes),
            licences=[LicenceOut.model_validate(x) for x in partner.licences],
            locations=[LocationOut.model_validate(x) for x in partner.locations],
            agent_for=sorted(min(g.gln for g in p.glns) for p in partner.principals if p.glns),
        )


class LicenceIn(BaseModel):
    kind: Text = Field(min_length=1, max_length=50)
    jurisdiction: Text = Field(min_length=1, max_length=50)
    number: Text = Field(min_length=1, max_length=100)
    valid_from: date | None = None
    valid_to: date | None = None


class LocationIn(BaseModel):
    sgln: Text = Field(description="urn:epc:id:sgln:...")
    name: Text = Field(min_length=1, max_length=200)


class PartnerIn(BaseModel):
    legal_name: Text = Field(min_length=1, max_length=200)
    kind: PartnerKind
    glns: list[Text] = Field(default_factory=list)
    prefixes: list[Text] = Field(
        default_factory=list,
        description="GS1 Company Prefixes it holds; none: those its locations' SGLNs encode",
    )
    licences: list[LicenceIn] = Field(default_factory=list)
    locations: list[LocationIn] = Field(default_factory=list)
    authorized: bool = True
    exception_policy: str = Field(default="rollback", pattern="^(rollback|proceed)$")
    street: Text | None = None
    city: Text | None = None
    state: Text | None = None
    postal_code: Text | None = None
    country: Text = Field(default="US", min_length=2, max_length=2)
    agent_for: list[Text] = Field(
        default_factory=list,
        description="GLNs of brand owners this partner commissions units for, as their agent",
    )

    def spec(self) -> PartnerSpec:
        """What the service needs to onboard the partner."""
        return PartnerSpec(
            **self.model_dump(exclude={"licences", "glns", "prefixes", "locations", "agent_for"}),
            glns=tuple(self.glns),
            prefixes=tuple(self.prefixes),
            agent_for=tuple(self.agent_for),
            licences=tuple(LicenceSpec(**x.model_dump()) for x in self.licences),
            locations=tuple(LocationSpec(**x.model_dump()) for x in self.locations),
        )
