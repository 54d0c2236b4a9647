"""Onboard and correct trading partners: identifiers, licences, sites, policy.

Every creation and every changed field is audited (who, when, field, old and new value).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

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


@dataclass(frozen=True)
class PartnerChanges:
    """Corrections to a partner; None leaves a field as it is.

    Address fields take ``""`` to clear them. ``glns``, ``licences`` and ``locations`` are the
    partner's whole new lists: a licence listed again with other dates is renewed in place,
    a site listed again with another name is renamed, anything not listed is removed.
    """

    legal_name: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    authorized: bool | None = None
    exception_policy: str | None = None
    glns: tuple[str, ...] | None = None
    licences: tuple[LicenceSpec, ...] | None = None
    locations: tuple[LocationSpec, ...] | None = None
    capture_url: str | None = None  # checked by app.outbox.urls before it gets here
    capture_token: str | None = None


SCALARS = ("legal_name", "street", "city", "state", "postal_code", "country", "authorized",
           "exception_policy", "capture_url", "capture_token")
CLEARABLE = ("street", "city", "state", "postal_code", "capture_url", "capture_token")
SECRET = ("capture_token",)  # audited as changed, never by value


async def list_partners(session: AsyncSession) -> list[TradingPartner]:
    """Every partner with its details, by id."""
    return await repository.list_partners(session)


async def get_partner(session: AsyncSession, partner_id: int) -> TradingPartner:
    """The partner with ``partner_id``, with its details."""
    partner = await repository.get_partner(session, partner_id)
    if partner is None:
        raise NotFound(f"no trading partner with id {partner_id}", field="partner_id")
    return partner


async def partner_audit(session: AsyncSession, partner_id: int) -> list[AuditEntry]:
    """The partner's audit entries (creation, then each correction), oldest first."""
    await get_partner(session, partner_id)
    return await repository.audit(session, partner_id)


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


def _check_policy(policy: str) -> None:
    if policy not in POLICIES:
        raise ValidationFailed(
            f"exception_policy {policy!r}: expected rollback or proceed",
            field="exception_policy",
            found=policy,
        )


async def _check_glns(session: AsyncSession, glns: Sequence[str], partner_id: int | None) -> None:
    """Each GLN valid and not identifying another partner than ``partner_id``."""
    for gln in glns:
        try:
            validate_gln(gln)
        except GS1Error as exc:
            raise ValidationFailed(str(exc), field="glns", found=gln) from None
    taken = await repository.first_gln_taken(session, glns, partner_id)
    if taken is not None:
        raise Conflict(
            f"GLN {taken.gln} already identifies trading partner {taken.partner_id}",
            field="glns",
            found=taken.gln,
        )


async def _check_licences(
    session: AsyncSession, licences: Sequence[LicenceSpec], partner_id: int | None
) -> None:
    """Each licence once, its dates in order, and not held by another partner."""
    seen: set[tuple[str, str, str]] = set()
    for x in licences:
        key = (x.kind, x.jurisdiction, x.number)
        if key in seen:
            raise ValidationFailed(
                f"licence {x.kind}:{x.jurisdiction}:{x.number} is listed twice; expected each "
                "licence once",
                field="licences",
                found=x.number,
            )
        seen.add(key)
        if x.valid_from and x.valid_to and x.valid_to < x.valid_from:
            raise ValidationFailed(
                f"licence {x.kind}:{x.jurisdiction}:{x.number}: valid_to {x.valid_to} precedes "
                f"valid_from {x.valid_from}; expected an end on or after the start",
                field="licences.valid_to",
                found=x.valid_to.isoformat(),
            )
        held = await repository.find_licence(session, x.kind, x.jurisdiction, x.number)
        if held is not None and held.partner_id != partner_id:
            raise Conflict(
                f"licence {x.kind}:{x.jurisdiction}:{x.number} is already held by trading partner "
                f"{held.partner_id}",
                field="licences",
                found=x.number,
            )


async def _check_locations(
    session: AsyncSession, locations: Sequence[LocationSpec], partner_id: int | None
) -> None:
    """Each site (read by :func:`parse_location`) listed once and not another partner's."""
    sglns = [x.sgln for x in locations]
    twice = next((x for i, x in enumerate(sglns) if x in sglns[:i]), None)
    if twice is not None:
        raise ValidationFailed(f"location {twice} is listed twice; expected each location once",
                               field="locations", found=twice)
    used = await repository.first_location_taken(session, sglns, partner_id)
    if used is not None:
        raise Conflict(f"location {used.sgln} already belongs to trading partner {used.partner_id}",
                       field="locations", found=used.sgln)


def _licence(partner_id: int, x: LicenceSpec) -> Licence:
    return Licence(partner_id=partner_id, kind=x.kind, jurisdiction=x.jurisdiction,
                   number=x.number, valid_from=x.valid_from, valid_to=x.valid_to)


def _location(partner: TradingPartner, x: LocationSpec) -> Location:
    return Location(
        partner_id=partner.id, gln=parse_epc_uri(x.sgln).gln, sgln=x.sgln, name=x.name,
        street=partner.street, city=partner.city, state=partner.state,
        postal_code=partner.postal_code, country=partner.country,
    )


async def create_partner(session: AsyncSession, spec: PartnerSpec, actor: str) -> TradingPartner:
    """Create a partner with its GLNs and licences; GLNs must be valid and unused."""
    _check_policy(spec.exception_policy)
    await _check_glns(session, spec.glns, None)
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
    await _check_licences(session, spec.licences, None)
    locations = [parse_location(f"{x.sgln}={x.name}") for x in spec.locations]
    await _check_locations(session, locations, None)
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
    session.add_all(_licence(partner.id, x) for x in spec.licences)
    session.add_all(_location(partner, x) for x in locations)
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
    return await _written(session, partner.id)


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
        prefixes = list(dict.fromkeys(k.gln[: k.company_prefix_length] for k in keys if k.gln))
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


async def update_partner(
    session: AsyncSession, partner_id: int, changes: PartnerChanges, actor: str
) -> TradingPartner:
    """Correct a partner; each changed field becomes one audit entry (old and new value).

    Nothing is written unless every change is valid.
    """
    partner = await get_partner(session, partner_id)
    if changes.exception_policy is not None:
        _check_policy(changes.exception_policy)
    if changes.glns is not None:
        await _check_glns(session, changes.glns, partner_id)
    if changes.licences is not None:
        await _check_licences(session, changes.licences, partner_id)
    if changes.locations is not None:
        locations = [parse_location(f"{x.sgln}={x.name}") for x in changes.locations]
        await _check_locations(session, locations, partner_id)
        kept = {x.sgln for x in locations}
        for gone in (x for x in partner.locations if x.sgln not in kept):
            units = await repository.units_at(session, gone.id)
            if units:
                raise Conflict(
                    f"location {gone.sgln} still holds {units} unit(s); expected a site "
                    "without units to remove (rename it instead)",
                    field="locations",
                    found=gone.sgln,
                )
    changed: list[tuple[str, Any, Any]] = []
    for name in SCALARS:
        new = getattr(changes, name)
        if new is None:
            continue
        if new == "":
            if name not in CLEARABLE:
                raise ValidationFailed(f"{name}: expected a value, got an empty one", field=name,
                                       found=new)
            new = None
        if new != getattr(partner, name):
            changed.append((name, getattr(partner, name), new))
            setattr(partner, name, new)
    if changes.glns is not None:
        changed += await _replace_glns(session, partner, dict.fromkeys(changes.glns))
    if changes.licences is not None:
        changed += await _replace_licences(session, partner, changes.licences)
    if changes.locations is not None:
        changed += await _replace_locations(session, partner, locations)
    session.add_all(
        AuditEntry(actor=actor, action="partner.update", subject=f"partner:{partner_id}",
                   detail={"field": name, "old": _plain(old), "new": _plain(new)}
                   if name not in SECRET else {"field": name, "old": _secret(old),
                                               "new": _secret(new)})
        for name, old, new in changed
    )
    await session.flush()
    return await _written(session, partner_id)


def _secret(value: Any) -> str | None:
    return None if value is None else "(set)"


def _plain(value: Any) -> Any:
    """A value as the audit log's JSON keeps it."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(x) for x in value]
    return str(value) if hasattr(value, "value") else value  # enums


async def _replace_glns(session: AsyncSession, partner: TradingPartner, glns: dict[str, None]):
    old = [x.gln for x in partner.glns]
    if old == list(glns):
        return []
    for x in partner.glns:
        if x.gln not in glns:
            await session.delete(x)
    session.add_all(PartnerGln(gln=g, partner_id=partner.id) for g in glns if g not in old)
    return [("glns", old, list(glns))]


async def _replace_licences(session, partner: TradingPartner, licences: Sequence[LicenceSpec]):
    changed: list[tuple[str, object, object]] = []
    held = {(x.kind, x.jurisdiction, x.number): x for x in partner.licences}
    for spec in licences:
        key = (spec.kind, spec.jurisdiction, spec.number)
        name = f"licences[{':'.join(key)}]"
        row = held.pop(key, None)
        if row is None:
            session.add(_licence(partner.id, spec))
            changed.append((name, None, _licence_dates(spec)))
            continue
        for attribute in ("valid_from", "valid_to"):  # a renewal keeps the licence's row
            if getattr(spec, attribute) != getattr(row, attribute):
                changed.append((f"{name}.{attribute}", getattr(row, attribute),
                                getattr(spec, attribute)))
                setattr(row, attribute, getattr(spec, attribute))
    for key, row in held.items():
        await session.delete(row)
        changed.append((f"licences[{':'.join(key)}]", _licence_dates(row), None))
    return changed


def _licence_dates(x: LicenceSpec | Licence) -> dict[str, str | None]:
    return {"valid_from": _plain(x.valid_from), "valid_to": _plain(x.valid_to)}


async def _replace_locations(session, partner: TradingPartner, locations: Sequence[LocationSpec]):
    changed: list[tuple[str, object, object]] = []
    held = {x.sgln: x for x in partner.locations}
    for spec in locations:
        name = f"locations[{spec.sgln}]"
        row = held.pop(spec.sgln, None)
        if row is None:
            session.add(_location(partner, spec))
            changed.append((name, None, spec.name))
        elif row.name != spec.name:
            changed.append((f"{name}.name", row.name, spec.name))
            row.name = spec.name
    for sgln, row in held.items():
        await session.delete(row)
        changed.append((f"locations[{sgln}]", row.name, None))
    return changed


async def _written(session: AsyncSession, partner_id: int) -> TradingPartner:
    """The partner just written (flushed), with its details as stored now."""
    partner = await repository.get_partner(session, partner_id)
    assert partner is not None, "a partner just written is there"
    return partner
