"""Onboard trading partners: identifiers, licences, policy; every creation is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, NotFound, ValidationFailed
from app.models import (
    AuditEntry,
    CompanyPrefix,
    Licence,
    Location,
    PartnerAgent,
    PartnerGln,
    PartnerKind,
    TradingPartner,
)
from app.partners import repository
from gs1.errors import GS1Error
from gs1.identifiers import parse_epc_uri, validate_gln

POLICIES = ("rollback", "proceed")


@dataclass(frozen=True)
class LicenceSpec:
    kind: str
    jurisdiction: str
    number: str
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class LocationSpec:
    sgln: str
    name: str


@dataclass(frozen=True)
class PartnerSpec:
    legal_name: str
    kind: PartnerKind
    glns: tuple[str, ...] = ()
    licences: tuple[LicenceSpec, ...] = ()
    locations: tuple[LocationSpec, ...] = ()
    authorized: bool = True
    exception_policy: str = "rollback"
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str = "US"
    agent_for: tuple[str, ...] = ()  # GLNs of brand owners this partner commissions for
    prefixes: tuple[str, ...] = ()  # GS1 Company Prefixes; none: those its locations encode


async def list_partners(session: AsyncSession) -> list[TradingPartner]:
    """Every partner with its details, by id."""
    return await repository.list_partners(session)


async def get_partner(session: AsyncSession, partner_id: int) -> TradingPartner:
    """The partner with ``partner_id``, with its details."""
    partner = await repository.get_partner(session, partner_id)
    if partner is None:
        raise NotFound(f"no trading partner with id {partner_id}", field="partner_id")
    return partner


def parse_location(text: str) -> LocationSpec:
    """Read ``SGLN[=name]``, the SGLN as an EPC URI.

    >>> parse_location("urn:epc:id:sgln:0360001.00000.0=Louisville DC")
    LocationSpec(sgln='urn:epc:id:sgln:0360001.00000.0', name='Louisville DC')
    >>> parse_location("0360001000004")
    Traceback (most recent call last):
    app.errors.ValidationFailed: location '0360001000004': EPC URI '0360001000004': expected a scheme of urn:epc:id:sgtin, sscc, sgln, pgln or urn:epc:class:lgtin
    """
    sgln, _, name = text.partition("=")
    try:
        key = parse_epc_uri(sgln)
    except GS1Error as exc:
        raise ValidationFailed(f"location {text!r}: {exc}", field="locations", found=text) from None
    if key.kind != "sgln":
        raise ValidationFailed(f"location {text!r}: expected an SGLN (urn:epc:id:sgln:...), got {key.kind}",
                               field="locations", found=text)
    return LocationSpec(sgln, name or sgln)


def parse_licence(text: str) -> LicenceSpec:
    """Read ``kind:jurisdiction:number[:valid_from[:valid_to]]`` (ISO dates, may be empty).

    >>> parse_licence("wholesale_distributor_license:KY:WD-44102:2024-01-01:2027-12-31").valid_to
    datetime.date(2027, 12, 31)
    >>> parse_licence("pharmacy_license:MA")
    Traceback (most recent call last):
    app.errors.ValidationFailed: licence 'pharmacy_license:MA': expected kind:jurisdiction:number[:valid_from[:valid_to]], got 2 fields
    """
    parts = text.split(":")
    if not 3 <= len(parts) <= 5 or not all(parts[:3]):
        raise ValidationFailed(
            f"licence {text!r}: expected kind:jurisdiction:number[:valid_from[:valid_to]], "
            f"got {len(parts)} fields",
            field="licence",
            found=text,
        )
    dates: list[date | None] = []
    for name, value in zip(("valid_from", "valid_to"), parts[3:] + ["", ""], strict=False):
        try:
            dates.append(date.fromisoformat(value) if value else None)
        except ValueError:
            raise ValidationFailed(
                f"licence {text!r}: {name} {value!r} is not an ISO date (YYYY-MM-DD)",
                field=f"licence.{name}",
                found=value,
            ) from None
    return LicenceSpec(parts[0], parts[1], parts[2], dates[0], dates[1])


async def create_partner(session: AsyncSession, spec: PartnerSpec, actor: str) -> TradingPartner:
    """Create a partner with its GLNs and licences; GLNs must be valid and unused."""
    if spec.exception_policy not in POLICIES:
        raise ValidationFailed(
            f"exception_policy {spec.exception_policy!r}: expected rollback or proceed",
            field="exception_policy",
            found=spec.exception_policy,
        )
    for gln in spec.glns:
        try:
            validate_gln(gln)
        except GS1Error as exc:
            raise ValidationFailed(str(exc), field="glns", found=gln) from None
    taken = await repository.first_gln_taken(session, spec.glns)
    if taken is not None:
        raise Conflict(
            f"GLN {taken.gln} already identifies trading partner {taken.partner_id}",
            field="glns",
            found=taken.gln,
        )
    principals = {}
    for gln in dict.fromkeys(spec.agent_for):
        principal = await repository.find_gln(session, gln)
        if principal is None:
            raise ValidationFailed(
                f"agent_for {gln!r}: expected the GLN of an onboarded brand owner, "
                "found no partner with it",
                field="agent_for",
                found=gln,
            )
        principals[principal.partner_id] = gln
    seen: set[tuple[str, str, str]] = set()
    for x in spec.licences:
        key = (x.kind, x.jurisdiction, x.number)
        if key in seen:
            raise ValidationFailed(
                f"licence {x.kind}:{x.jurisdiction}:{x.number} is listed twice; expected each "
                "licence once",
                field="licences",
                found=x.number,
            )
        seen.add(key)
        held = await repository.find_licence(session, x.kind, x.jurisdiction, x.number)
        if held is not None:
            raise Conflict(
                f"licence {x.kind}:{x.jurisdiction}:{x.number} is already held by trading partner "
                f"{held.partner_id}",
                field="licences",
                found=x.number,
            )
    sglns = [x.sgln for x in spec.locations]
    twice = next((x for i, x in enumerate(sglns) if x in sglns[:i]), None)
    if twice is not None:
        raise ValidationFailed(f"location {twice} is listed twice; expected each location once",
                               field="locations", found=twice)
    used = await repository.first_location_taken(session, sglns)
    if used is not None:
        raise Conflict(f"location {used.sgln} already belongs to trading partner {used.partner_id}",
                       field="locations", found=used.sgln)
    prefixes = await _prefixes(session, spec)
    partner = TradingPartner(
        legal_name=spec.legal_name,
        kind=spec.kind,
        authorized=spec.authorized,
        exception_policy=spec.exception_policy,
        street=spec.street,
        city=spec.city,
        state=spec.state,
        postal_code=spec.postal_code,
        country=spec.country,
    )
    session.add(partner)
    await session.flush()
    session.add_all([PartnerGln(gln=g, partner_id=partner.id) for g in dict.fromkeys(spec.glns)])
    session.add_all([PartnerAgent(agent_id=partner.id, principal_id=p) for p in principals])
    session.add_all([CompanyPrefix(prefix=p, partner_id=partner.id) for p in prefixes])
    session.add_all(
        Licence(
            partner_id=partner.id,
            kind=x.kind,
            jurisdiction=x.jurisdiction,
            number=x.number,
            valid_from=x.valid_from,
            valid_to=x.valid_to,
        )
        for x in spec.licences
    )
    for x in spec.locations:
        location = parse_location(f"{x.sgln}={x.name}")
        key = parse_epc_uri(location.sgln)
        session.add(Location(
            partner_id=partner.id, gln=key.gln, sgln=location.sgln, name=location.name,
            street=spec.street, city=spec.city, state=spec.state, postal_code=spec.postal_code,
            country=spec.country,
        ))
    session.add(
        AuditEntry(
            actor=actor,
            action="partner.create",
            subject=f"partner:{partner.id}",
            detail={"legal_name": spec.legal_name, "kind": str(spec.kind), "glns": list(spec.glns),
                    "prefixes": prefixes,
                    **({"agent_for": list(principals.values())} if principals else {})},
        )
    )
    await session.flush()
    return await repository.get_partner(session, partner.id)  # type: ignore[return-value]


async def _prefixes(session: AsyncSession, spec: PartnerSpec) -> list[str]:
    """The GS1 Company Prefixes ``spec`` holds: those given, else those its SGLN sites encode.

    Held prefixes stay prefix-free, as GS1 allocates them: a prefix that starts another (or
    equals it) would make two owners, and two EPC partitions, for one GTIN.
    """
    given = bool(spec.prefixes)
    field = "prefixes" if given else "locations"
    if given:
        prefixes = list(dict.fromkeys(spec.prefixes))
        for p in prefixes:
            if not (p.isascii() and p.isdigit() and 6 <= len(p) <= 12):
                raise ValidationFailed(f"company prefix {p!r}: expected 6 to 12 digits",
                                       field="prefixes", found=p)
    else:
        keys = [parse_epc_uri(parse_location(x.sgln).sgln) for x in spec.locations]
        prefixes = list(dict.fromkeys(k.gln[: k.company_prefix_length] for k in keys))
    for i, p in enumerate(prefixes):
        other = next((q for q in prefixes[:i] if p.startswith(q) or q.startswith(p)), None)
        if other is not None:
            raise ValidationFailed(
                f"company prefix {p} overlaps company prefix {other}; expected prefixes none of "
                "which starts another", field=field, found=p)
    held = await repository.first_prefix_overlapping(session, prefixes)
    if held is not None:
        mine = next(p for p in prefixes if p.startswith(held.prefix) or held.prefix.startswith(p))
        how = "is already held by" if mine == held.prefix else f"overlaps {held.prefix} of"
        raise Conflict(f"company prefix {mine} {how} trading partner {held.partner_id}",
                       field=field, found=mine)
    return prefixes
