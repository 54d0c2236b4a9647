"""Wire shapes for trading partners and locations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.models.partners import PartnerKind, TradingPartner
from app.partners.service import LicenceSpec, LocationSpec, PartnerChanges, PartnerSpec

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
    authorized: bool = Field(description="May trade today: authorized by the operator and "
                             "holding a licence valid today (what capture checks)")
    not_authorized_because: str | None = Field(description="Why not, when not authorized")
    exception_policy: str
    glns: list[str]
    prefixes: list[str] = Field(description="GS1 Company Prefixes it holds (brand ownership)")
    licences: list[LicenceOut]
    locations: list[LocationOut]
    agent_for: list[str] = Field(description="GLNs of the brand owners it commissions for")
    capture_url: str | None = Field(default=None, description="Its EPCIS capture endpoint: "
                                    "documents of what the operator ships to it are pushed here")
    has_capture_token: bool = Field(default=False, description="A key for that endpoint is "
                                    "kept (never shown)")

    @classmethod
    def of(cls, partner: TradingPartner, today: date | None = None) -> PartnerOut:
        """The partner as the API and CLI show it (its details loaded, see the repository)."""
        reason = partner.not_authorized_because(today or date.today())
        return cls(
            id=partner.id,
            legal_name=partner.legal_name,
            kind=partner.kind,
            authorized=reason is None,
            not_authorized_because=reason,
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
            capture_url=partner.capture_url,
            has_capture_token=partner.capture_token is not None,
        )


class LicenceIn(BaseModel):
    kind: Text = Field(min_length=1, max_length=50)
    jurisdiction: Text = Field(min_length=1, max_length=50)
    number: Text = Field(min_length=1, max_length=100)
    valid_from: date | None = None
    valid_to: date | None = None


class LocationIn(BaseModel):
    sgln: Text = Field(description="urn:epc:id:sgln:...", max_length=100)
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
    street: Text | None = Field(default=None, max_length=200)
    city: Text | None = Field(default=None, max_length=100)
    state: Text | None = Field(default=None, max_length=50)
    postal_code: Text | None = Field(default=None, max_length=20)
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


class PartnerPatch(BaseModel):
    """Corrections; a field left out stays as it is. ``glns``, ``licences`` and ``locations``
    replace the partner's lists (a licence listed with new dates is renewed); an address
    field set to null is cleared."""

    model_config = ConfigDict(extra="forbid")

    legal_name: Text | None = Field(default=None, min_length=1, max_length=200)
    street: Text | None = Field(default=None, max_length=200)
    city: Text | None = Field(default=None, max_length=100)
    state: Text | None = Field(default=None, max_length=50)
    postal_code: Text | None = Field(default=None, max_length=20)
    country: Text | None = Field(default=None, min_length=2, max_length=2)
    authorized: bool | None = None
    exception_policy: str | None = Field(default=None, pattern="^(rollback|proceed)$")
    glns: list[Text] | None = None
    licences: list[LicenceIn] | None = None
    locations: list[LocationIn] | None = None
    capture_url: str | None = Field(
        default=None, max_length=500, description="Its EPCIS capture endpoint (https; null "
        "stops pushing). Closing a shipment to it queues the outbound document in the outbox")
    capture_token: Text | None = Field(
        default=None, min_length=1, max_length=500, description="The bearer key that endpoint "
        "gave the operator (write-only; null forgets it)")

    @model_validator(mode="after")
    def _null_clears_addresses_only(self) -> PartnerPatch:
        clearable = {"street", "city", "state", "postal_code", "capture_url", "capture_token"}
        for name in sorted(self.model_fields_set - clearable):
            if getattr(self, name) is None:
                raise ValueError(f"{name}: expected a value, got null (only address fields clear)")
        return self

    def changes(self) -> PartnerChanges:
        """What the service needs to correct the partner."""
        given = self.model_dump(exclude_unset=True, exclude={"glns", "licences", "locations"})
        fields: dict[str, Any] = {k: "" if v is None else v for k, v in given.items()}
        return PartnerChanges(
            **fields,
            glns=None if self.glns is None else tuple(self.glns),
            licences=None if self.licences is None else tuple(
                LicenceSpec(**x.model_dump()) for x in self.licences),
            locations=None if self.locations is None else tuple(
                LocationSpec(**x.model_dump()) for x in self.locations),
        )


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    action: str
    detail: dict[str, Any] = Field(description="partner.update: field, old and new value")
