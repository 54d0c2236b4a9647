"""Cases: open, authorize, move through their statuses, link shipments within the authorization.

A case's ``ref`` is random (:func:`new_ref`), never derived from the patient: it is the only
thing about a case the ledger, outbound EPCIS and reports carry. Services never commit.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.cases import repository
from app.dialect import write_lock
from app.errors import Conflict, NotFound, ValidationFailed
from app.investigations.repository import units_named
from app.models import Case, CaseHistory, CaseLink, CaseStatus, FollowUp, Pathway
from app.models.base import utcnow
from app.operator.repository import partner_of
from gs1.errors import GS1Error
from gs1.identifiers import ndc_to_gtin, validate_gln, validate_gtin

S = CaseStatus
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.REQUESTED: frozenset({S.AUTHORIZED, S.CANCELLED}),
    S.AUTHORIZED: frozenset({S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.CLOSED}),
}
"""Which status may follow which; ``closed`` and ``cancelled`` are final."""
FOLLOW_UP_AFTER = timedelta(hours=48)
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
COUNTRY = re.compile(r"[A-Z]{2}")


class CaseNotFound(NotFound):
    slug, title = "case-not-found", "Case not found"


class CaseTransitionRefused(Conflict):
    """The case's status cannot move as asked."""

    slug, title = "case-transition-refused", "Case status change refused"


class ShipmentLinkRefused(Conflict):
    """A shipment cannot be linked to the case; ``rule`` names which rule refused it."""

    slug, title = "shipment-link-refused", "Shipment link refused"


@dataclass(frozen=True)
class Authorization:
    """The destination regulator's authorization: its reference and validity (inclusive)."""

    ref: str
    issued: date
    expires: date


@dataclass(frozen=True)
class CaseSpec:
    country: str
    pathway: Pathway
    prescriber_name: str
    prescriber_licence: str
    prescriber_country: str
    drug: str  # GTIN-14 or NDC (hyphenated 10-digit)
    quantity: int
    receiver_gln: str | None = None
    receiver_address: str | None = None
    authorization: Authorization | None = None


def new_ref() -> str:
    """A random case reference, 60 bits in Crockford base32 (``CASE-7KQ2-M9XD-4TRA``).

    >>> bool(re.fullmatch(r"CASE-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", new_ref()))
    True
    """
    body = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"CASE-{body[:4]}-{body[4:8]}-{body[8:]}"


def drug_gtin(value: str) -> str:
    """The GTIN-14 of a GTIN (8-14 digits) or a hyphenated 10-digit NDC.

    >>> drug_gtin("12345-6001-1")
    '00312345600112'
    >>> drug_gtin("bogus")
    Traceback (most recent call last):
    app.errors.ValidationFailed: drug: expected a GTIN or a hyphenated 10-digit NDC, got 'bogus'
    """
    value = value.strip()
    try:
        return ndc_to_gtin(value) if "-" in value else validate_gtin(value.zfill(14))
    except (GS1Error, ValueError):
        raise ValidationFailed(f"drug: expected a GTIN or a hyphenated 10-digit NDC, got "
                               f"{value[:40]!r}", field="drug") from None


def _country(field: str, value: str) -> str:
    value = value.strip().upper()
    if not COUNTRY.fullmatch(value):
        raise ValidationFailed(f"{field}: expected an ISO 3166 alpha-2 country code, got "
                               f"{value[:10]!r}", field=field, found=value[:10])
    return value


def _check_authorization(auth: Authorization) -> None:
    if auth.expires < auth.issued:
        raise ValidationFailed(
            f"authorization_expires: expected on or after the issue date {auth.issued}, got "
            f"{auth.expires}", field="authorization_expires")


async def open_case(session: AsyncSession, spec: CaseSpec, actor: str) -> Case:
    """A new case in status ``requested``, with a fresh random reference."""
    receiver_id = None
    if spec.receiver_gln:
        try:
            gln = validate_gln(spec.receiver_gln.strip())
        except GS1Error as exc:
            raise ValidationFailed(f"receiver_gln: {exc}", field="receiver_gln") from None
        partner = await partner_of(session, gln)
        if partner is None:
            raise ValidationFailed(f"receiver_gln {gln}: expected the GLN of a trading partner, "
                                   "got one that names none", field="receiver_gln", found=gln)
        receiver_id = partner[0]
    elif not (spec.receiver_address or "").strip():
        raise ValidationFailed("receiver: expected receiver_gln (a trading partner) or "
                               "receiver_address, got neither", field="receiver_gln")
    if not 1 <= spec.quantity <= 1_000_000:
        raise ValidationFailed(f"quantity: expected 1 to 1000000 units, got {spec.quantity}",
                               field="quantity")
    if spec.authorization:
        _check_authorization(spec.authorization)
    auth = spec.authorization
    case = Case(
        ref=new_ref(), country=_country("country", spec.country), pathway=spec.pathway,
        status=S.REQUESTED, prescriber_name=spec.prescriber_name.strip(),
        prescriber_licence=spec.prescriber_licence.strip(),
        prescriber_country=_country("prescriber_country", spec.prescriber_country),
        receiver_id=receiver_id, receiver_address=(spec.receiver_address or "").strip() or None,
        gtin=drug_gtin(spec.drug), quantity=spec.quantity, created_by=actor,
        authorization_ref=auth.ref if auth else None,
        authorization_issued=auth.issued if auth else None,
        authorization_expires=auth.expires if auth else None,
    )
    session.add(case)
    await session.flush()
    session.add(CaseHistory(case_id=case.id, actor=actor, status=S.REQUESTED, note="opened"))
    await session.flush()
    return case


async def get(session: AsyncSession, ref: str, *, lock: bool = False) -> Case:
    case = await repository.by_ref(session, ref.strip().upper(), lock=lock)
    if case is None:
        raise CaseNotFound(f"case {ref[:40]!r}: expected the reference of a case, got one that "
                           "names none", field="case_ref")
    return case


async def list_cases(session: AsyncSession, status: CaseStatus | None = None,
                     limit: int = 200) -> Sequence[Case]:
    return await repository.list_cases(session, status, limit)


async def _move(session: AsyncSession, case: Case, to: CaseStatus, actor: str,
                note: str | None, now: datetime) -> Case:
    if to not in TRANSITIONS.get(case.status, frozenset()):
        allowed = sorted(TRANSITIONS.get(case.status, frozenset()))
        raise CaseTransitionRefused(
            f"case {case.ref} is {case.status.value}: expected a move to "
            f"{', '.join(allowed) or 'nothing (it is final)'}, got {to.value}",
            field="status", expected=allowed, found=to.value)
    case.status, case.status_at = to, now
    session.add(CaseHistory(case_id=case.id, actor=actor, status=to, note=note, at=now))
    if to == S.DELIVERED:
        session.add(FollowUp(case_id=case.id, due_at=now + FOLLOW_UP_AFTER, status="open"))
    await session.flush()
    return case


async def authorize(session: AsyncSession, ref: str, auth: Authorization | None, actor: str,
                    now: datetime | None = None) -> Case:
    """Record the regulator's authorization (or use the one given at opening) and move the case
    to ``authorized``."""
    await write_lock(session)
    case = await get(session, ref, lock=True)
    if auth is not None:
        _check_authorization(auth)
        if case.status == S.REQUESTED:
            case.authorization_ref = auth.ref
            case.authorization_issued, case.authorization_expires = auth.issued, auth.expires
    if not (case.authorization_ref and case.authorization_issued and case.authorization_expires):
        raise ValidationFailed(f"case {case.ref}: expected the authorization's reference, issue "
                               "and expiry dates, got none", field="authorization_ref")
    return await _move(session, case, S.AUTHORIZED, actor,
                       f"authorization {case.authorization_ref}", now or utcnow())


async def transition(session: AsyncSession, ref: str, to: CaseStatus, actor: str,
                     note: str | None = None, now: datetime | None = None) -> Case:
    """Move a case to ``to`` along :data:`TRANSITIONS`. ``authorized`` goes through
    :func:`authorize` and ``shipped`` through :func:`link_shipment`; ``delivered`` opens the
    48-hour follow-up."""
    await write_lock(session)
    case = await get(session, ref, lock=True)
    if to == S.AUTHORIZED:
        return await authorize(session, ref, None, actor, now)
    if to == S.SHIPPED:
        raise CaseTransitionRefused(
            f"case {case.ref}: a case becomes shipped when a shipment is linked to it "
            "(POST /cases/{ref}/links), not by setting its status", field="status",
            found=to.value)
    return await _move(session, case, to, actor, note, now or utcnow())


async def remaining(session: AsyncSession, case: Case) -> int:
    """Units the authorization still covers."""
    return case.quantity - await repository.linked_quantity(session, case.id)


async def check_shipment_link(session: AsyncSession, case_ref: str, gtin: str, quantity: int,
                              on: date) -> None:
    """Refuse (:class:`ShipmentLinkRefused`, ``rule`` naming which) a shipment of ``quantity``
    units of ``gtin`` under case ``case_ref`` on day ``on``: the case must be authorized (or
    already shipping), for this drug, its authorization valid that day, and the quantity within
    what the authorization has left."""
    case = await get(session, case_ref)
    if case.status not in (S.AUTHORIZED, S.SHIPPED):
        raise ShipmentLinkRefused(
            f"case {case.ref}: expected an authorized case, got one that is {case.status.value}",
            rule="case-not-authorized", field="case_ref", found=case.status.value)
    if gtin != case.gtin:
        raise ShipmentLinkRefused(
            f"case {case.ref}: expected GTIN {case.gtin} (the drug authorized), got {gtin}",
            rule="wrong-drug", field="gtin", expected=case.gtin, found=gtin)
    issued, expires = case.authorization_issued, case.authorization_expires
    assert issued and expires, "an authorized case has its authorization's dates"
    if on < issued:
        raise ShipmentLinkRefused(
            f"case {case.ref}: authorization {case.authorization_ref} is not yet valid on {on} "
            f"(valid from {issued})", rule="authorization-not-yet-valid", field="on",
            expected=f">= {issued}", found=str(on))
    if on > expires:
        raise ShipmentLinkRefused(
            f"case {case.ref}: authorization {case.authorization_ref} expired on {expires}, "
            f"shipment on {on}", rule="authorization-expired", field="on",
            expected=f"<= {expires}", found=str(on))
    left = await remaining(session, case)
    if quantity > left:
        raise ShipmentLinkRefused(
            f"case {case.ref}: expected at most {left} more unit(s) (authorized {case.quantity}), "
            f"got {quantity}", rule="quantity-above-authorized-remaining", field="quantity",
            expected=left, found=quantity)


async def linked(session: AsyncSession) -> set[str]:
    """Every identifier linked to a case, and the units inside a linked container."""
    taken = set(await repository.linked_identifiers(session))
    held = [u for u in await units_named(session, list(taken)) if u.kind == "sscc"]
    inside = await repository.contents(session, [c.id for c in held]) if held else []
    return taken | {u.identifier for u in inside}


async def link_shipment(session: AsyncSession, ref: str, identifiers: Sequence[str], actor: str,
                        commitment: str | None = None, on: date | None = None) -> CaseLink:
    """Link units (SGTIN URNs, or an SSCC standing for its contents) to a case, within its
    authorization (:func:`check_shipment_link`); the first link makes the case ``shipped``.

    ``commitment`` is the vault's salted commitment for the case (None: no patient data yet).
    A unit already linked to a case is refused, whichever case.
    """
    await write_lock(session)
    case = await get(session, ref, lock=True)
    wanted = list(dict.fromkeys(i.strip() for i in identifiers if i.strip()))
    if not wanted:
        raise ValidationFailed("identifiers: expected at least one EPC URN, got none",
                               field="identifiers")
    found = {u.identifier: u for u in await units_named(session, wanted)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ValidationFailed(f"identifiers: expected units in the ledger, got {missing[0]!r} "
                               f"and {len(missing) - 1} more unknown" if len(missing) > 1 else
                               f"identifiers: expected units in the ledger, got unknown "
                               f"{missing[0]!r}", field="identifiers", found=missing[:10])
    containers = [u for u in found.values() if u.kind == "sscc"]
    items = [u for u in found.values() if u.kind != "sscc"]
    items += await repository.contents(session, [c.id for c in containers]) if containers else []
    taken = await linked(session)
    for ident in [*wanted, *(u.identifier for u in items)]:
        if ident in taken:
            raise ShipmentLinkRefused(f"{ident}: already linked to a case", rule="already-linked",
                                      field="identifiers", found=ident)
    gtins = {u.gtin for u in items}
    if len(gtins) != 1:
        raise ShipmentLinkRefused(
            f"identifiers: expected units of one drug, got {len(gtins)} GTINs"
            if gtins else "identifiers: expected serialized units (or a container of them), got "
            "an empty container", rule="wrong-drug", field="identifiers")
    on = on or utcnow().date()
    await check_shipment_link(session, case.ref, gtins.pop() or "", len(items), on)
    link = CaseLink(case_id=case.id, identifiers=wanted, gtin=case.gtin, quantity=len(items),
                    commitment=commitment, actor=actor)
    session.add(link)
    if case.status == S.AUTHORIZED:
        await _move(session, case, S.SHIPPED, actor, f"{len(items)} unit(s) linked", utcnow())
    await session.flush()
    return link


async def linked_refs(session: AsyncSession) -> dict[str, list[str]]:
    """Every identifier linked to a case -> the references of its cases."""
    return await repository.refs_by_identifier(session)


async def refs_of_units(session: AsyncSession, identifiers: Sequence[str],
                        containers: Sequence[str | None] = ()) -> dict[str, list[str]]:
    """The opaque references of the cases each of ``identifiers`` was linked to (directly, or
    through its container, ``containers[i]``, being linked); units of no case are left out."""
    linked = await repository.refs_by_identifier(session)
    if not linked:
        return {}
    found: dict[str, list[str]] = {}
    padded = [*containers, *[None] * (len(identifiers) - len(containers))]
    for ident, container in zip(identifiers, padded, strict=True):
        refs = linked.get(ident, []) + (linked.get(container, []) if container else [])
        if refs:
            found[ident] = list(dict.fromkeys(refs))
    return found


async def history(session: AsyncSession, case: Case):
    return await repository.history(session, case.id)


async def links(session: AsyncSession, case: Case):
    return await repository.links(session, case.id)


async def receiver_name(session: AsyncSession, case: Case) -> str | None:
    return await repository.partner_name(session, case.receiver_id) if case.receiver_id else None
