"""Delivery confirmation and follow-up.

Staff issue a confirmation link for a shipped case: signed (itsdangerous, the app's session
secret, salt ``custody.confirm``), expiring, usable once, revocable; only the SHA-256 of its
secret is stored. The receiver opens it with no account and confirms receipt, condition and
storage. The confirmation becomes the receiver's ``receiving`` event for the units linked to the
case, captured under the receiving partner and run through the ingest rules in the same
transaction (the operator-events path, decision 0015), carrying the case reference, the salted
commitment and the confirmer's identity as given: never patient data. A case whose receiver is
only an address gets no ledger event (no partner could submit it); the confirmation is kept.
The case becomes ``delivered`` and its follow-up falls due 48 hours later.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases import service as cases
from app.delivery import repository
from app.dialect import write_lock
from app.errors import Conflict, CustodyError, NotFound, ValidationFailed
from app.investigations.repository import units_named
from app.models import (
    Case,
    CaseStatus,
    ConfirmationLink,
    FollowUp,
    UnitStatus,
)
from app.models.base import utcnow
from app.operator.repository import first_site, partner_of
from app.operator.service import Operator, OperatorEventRefused, record_event
from app.world.events import receive
from app.world.partners import sgln
from epcis.model import Element

NS, PREFIX = "https://custody.dev/epcis/npp", "npp"
LINK_HOURS = 72
CONDITIONS = ("intact", "damaged")


class LinkUnusable(CustodyError):
    """The confirmation link is unknown, expired, used or revoked."""

    status, slug, title = 410, "confirmation-link-unusable", "Confirmation link unusable"


class ConfirmationRefused(Conflict):
    slug, title = "confirmation-refused", "Confirmation refused"


@dataclass(frozen=True)
class Confirmation:
    """What the receiver states: who they are (as given), condition, storage."""

    confirmer_name: str
    confirmer_role: str
    institution: str
    condition: str
    storage_ok: bool
    storage_note: str = ""
    received_at: datetime | None = None


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="custody.confirm")


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


async def _in_transit(session: AsyncSession, case: Case, identifiers: Sequence[str]) -> None:
    """Refuse identifiers not in transit to the case's receiver (nothing to confirm)."""
    units = {u.identifier: u for u in await units_named(session, identifiers)}
    for ident in identifiers:
        unit = units.get(ident)
        if unit is None or unit.status != UnitStatus.SHIPPED or unit.destination_id != case.receiver_id:
            raise ConfirmationRefused(
                f"{ident}: expected a unit in transit to the case's receiver, got one that is "
                f"{unit.status.value if unit else 'unknown'}", field="identifiers", found=ident)


async def issue_link(session: AsyncSession, ref: str, actor: str, secret: str,
                     hours: int = LINK_HOURS, now: datetime | None = None,
                     ) -> tuple[ConfirmationLink, str]:
    """A confirmation link for a shipped case's linked units; returns it and its token (shown
    once)."""
    now = now or utcnow()
    await write_lock(session)
    case = await cases.get(session, ref, lock=True)
    if case.status != CaseStatus.SHIPPED:
        raise ConfirmationRefused(f"case {case.ref}: expected a shipped case to confirm, got one "
                                  f"that is {case.status.value}", field="case_ref")
    if not 1 <= hours <= 24 * 30:
        raise ValidationFailed(f"hours: expected 1 to 720, got {hours}", field="hours")
    identifiers = [i for link in await cases.links(session, case) for i in link.identifiers]
    if case.receiver_id is not None:
        await _in_transit(session, case, identifiers)
    nonce = secrets.token_urlsafe(24)
    link = ConfirmationLink(case_id=case.id, secret_hash=_digest(nonce), identifiers=identifiers,
                            created_by=actor, created_at=now, expires_at=now + timedelta(hours=hours))
    session.add(link)
    await session.flush()
    return link, _serializer(secret).dumps({"l": link.id, "s": nonce})


async def open_link(session: AsyncSession, token: str, secret: str, *, lock: bool = False,
                    now: datetime | None = None) -> tuple[ConfirmationLink, Case]:
    """The usable link ``token`` names and its case, or :class:`LinkUnusable` saying why."""
    now = now or utcnow()
    try:
        claims = _serializer(secret).loads(token)
        link_id, nonce = int(claims["l"]), str(claims["s"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise LinkUnusable("this confirmation link is not valid (altered or mistyped): ask the "
                           "sender for a new one") from None
    link = await repository.link(session, link_id, lock=lock)
    if link is None or not hmac.compare_digest(link.secret_hash, _digest(nonce)):
        raise LinkUnusable("this confirmation link is not valid: ask the sender for a new one")
    if link.used_at is not None:
        raise LinkUnusable(f"this confirmation link was already used on "
                           f"{link.used_at:%Y-%m-%d %H:%M} UTC; a link works once")
    if link.revoked_at is not None:
        raise LinkUnusable("this confirmation link was revoked: ask the sender for a new one")
    if now > link.expires_at:
        raise LinkUnusable(f"this confirmation link expired on "
                           f"{link.expires_at:%Y-%m-%d %H:%M} UTC: ask the sender for a new one")
    case = await session.get(Case, link.case_id)
    assert case is not None
    return link, case


def _check(c: Confirmation) -> None:
    for name in ("confirmer_name", "confirmer_role", "institution"):
        if not getattr(c, name).strip():
            raise ValidationFailed(f"{name}: expected text, got nothing", field=name)
    if c.condition not in CONDITIONS:
        raise ValidationFailed(f"condition: expected one of {', '.join(CONDITIONS)}, got "
                               f"{c.condition[:20]!r}", field="condition")


def npp(name: str, text: str) -> Element:
    """A named-patient extension element of an event (``npp:caseCommitment`` ...)."""
    return Element(NS, name, text, prefix=PREFIX)


def _extensions(case: Case, commitment: str | None, c: Confirmation) -> tuple[Element, ...]:
    found = [npp("caseRef", case.ref)]
    if commitment:
        found.append(npp("caseCommitment", commitment))
    return (*found, npp("confirmedBy", c.confirmer_name.strip()),
            npp("confirmerRole", c.confirmer_role.strip()), npp("condition", c.condition),
            npp("storageOk", "true" if c.storage_ok else "false"))


async def _record_receipt(session: AsyncSession, case: Case, identifiers: Sequence[str],
                          c: Confirmation, commitment: str | None, when: datetime) -> str | None:
    """The receiver's receiving event for ``identifiers``, through the ingest rules; its job id
    (None when there is nothing to record)."""
    if case.receiver_id is None or not identifiers:
        return None
    gln = await repository.gln_of(session, case.receiver_id)
    assert gln is not None, "a trading partner has a GLN"
    row = await partner_of(session, gln)
    site = await first_site(session, row.id) if row else None
    event = receive(identifiers, when, site or sgln(gln),
                    disposition="in_progress" if c.condition == "intact" else "damaged")
    event = replace(event, extensions=_extensions(case, commitment, c))
    receiver = Operator(case.receiver_id, gln, row.legal_name if row else gln, site or sgln(gln))
    try:  # submitted as the receiver: the rules let only a shipment's destination receive it
        job = await record_event(session, receiver, event, "confirm receipt of")
    except OperatorEventRefused as refused:
        raise ConfirmationRefused(refused.detail, **refused.extensions) from None
    return job.id


async def confirm(session: AsyncSession, token: str, secret: str, c: Confirmation,
                  commitment: str | None = None, now: datetime | None = None) -> ConfirmationLink:
    """Use the link: record the receipt in the ledger, mark the case delivered (its follow-up
    due in 48 hours) and the link used. Concurrent uses: one wins, the others see it used."""
    now = now or utcnow()
    _check(c)
    await write_lock(session)
    link, case = await open_link(session, token, secret, lock=True, now=now)
    when = min(c.received_at or now, now)
    link.job_id = await _record_receipt(session, case, link.identifiers, c, commitment, when)
    link.used_at = now
    link.confirmation = {**asdict(c), "received_at": when.isoformat()}
    await cases.transition(session, case.ref, CaseStatus.DELIVERED,
                           f"confirmation:{c.confirmer_name.strip()[:80]}",
                           f"receipt confirmed ({c.condition})", now)
    await session.flush()
    return link


async def revoke(session: AsyncSession, ref: str, link_id: int, actor: str) -> ConfirmationLink:
    await write_lock(session)
    case = await cases.get(session, ref)
    link = await repository.link(session, link_id, lock=True)
    if link is None or link.case_id != case.id:
        raise NotFound(f"confirmation link {link_id}: expected a link of case {case.ref}, got none",
                       field="link_id")
    if link.used_at is None and link.revoked_at is None:
        link.revoked_at = utcnow()
    await session.flush()
    return link


async def links_of(session: AsyncSession, case: Case) -> Sequence[ConfirmationLink]:
    return await repository.links_of(session, case.id)


async def follow_up_of(session: AsyncSession, case: Case) -> FollowUp | None:
    return await repository.follow_up_of(session, case.id)


async def follow_ups(session: AsyncSession, status: str | None = None,
                     limit: int = 500) -> Sequence[tuple[FollowUp, str]]:
    """Follow-ups with their case references, open ones first, earliest due first."""
    return await repository.follow_ups(session, status, limit)


async def update_follow_up(session: AsyncSession, follow_up_id: int, actor: str, *,
                           owner: str | None = None, done: bool = False,
                           outcome: str | None = None) -> tuple[FollowUp, str]:
    """Take a follow-up (``owner``) or complete it with its ``outcome``."""
    await write_lock(session)
    found = await repository.follow_up(session, follow_up_id)
    if found is None:
        raise NotFound(f"follow-up {follow_up_id}: expected a follow-up, got none",
                       field="follow_up_id")
    row, _ = found
    if owner is not None:
        row.owner = owner[:100] or None
    if done:
        if row.status == "done":
            raise Conflict(f"follow-up {follow_up_id} was already done on {row.done_at:%Y-%m-%d}",
                           field="status")
        if not (outcome or "").strip():
            raise ValidationFailed("outcome: expected what the follow-up found, got nothing",
                                   field="outcome")
        row.status, row.done_at, row.outcome = "done", utcnow(), outcome
        row.owner = row.owner or actor
    await session.flush()
    return found
