"""VRS rules: answer as responder (evidence in the log), ask as requester, record answers."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.service import Caller
from app.errors import CustodyError, Forbidden, NotFound, ValidationFailed
from app.ledger import service as ledger
from app.ledger.batch import GroupAppender
from app.models import Verification, VrsEvidence, VrsRoute
from app.vrs import client, codes
from app.vrs import repository as repo
from app.vrs.codes import Asked, MalformedRequest

TIMEOUT, RETRIES = 5.0, 2
"""How long the requester waits for one answer, and how often it asks again."""
HEADERS = {"Cache-Control": "private, no-cache", "GS1US-Version": codes.VERSION}
"""Every responder answer carries these (R1.3)."""
OPTIONAL = ("ctrlPossessAtt", "email", "telephone")
"""R1.3 query parameters a requester may add; kept with the evidence when given."""


class VrsBadRequest(ValidationFailed):
    """A malformed verification request (R1.3: 400), naming the field."""

    status, slug, title = 400, "vrs-bad-request", "Malformed verification request"


class VrsUnavailable(CustodyError):
    """This instance cannot take part in verification until it is configured."""

    status, slug, title = 503, "vrs-unavailable", "Verification unavailable"


def _unconfigured() -> VrsUnavailable:
    return VrsUnavailable("CUSTODY_OPERATOR_GLN is not set: this instance has no GLN to answer "
                          "or ask verification requests under", field="CUSTODY_OPERATOR_GLN")


def _bad(exc: MalformedRequest) -> VrsBadRequest:
    return VrsBadRequest(str(exc), field=exc.field, found=exc.found, headers=HEADERS)


def timestamp(when: datetime) -> str:
    """UTC with milliseconds, as ``verificationTimestamp`` carries it.

    >>> timestamp(datetime(2026, 12, 6, 19, 30, 1, 234567, tzinfo=UTC))
    '2026-12-06T19:30:01.234Z'
    """
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def evidence_hash(request: bytes, response: bytes) -> str:
    """The log leaf's ``event_hash`` for one answer: SHA-256 of request, newline, response.

    >>> evidence_hash(b"{}", b"{}")[:20], evidence_hash(b"{}", b"{}")[-9:]
    ('ni:///sha-256;8384c3', '?type=vrs')
    """
    digest = hashlib.sha256(b"\n".join((request, response))).hexdigest()
    return f"ni:///sha-256;{digest}?type=vrs"


def json_bytes(value: dict) -> bytes:
    """Compact JSON, as answers go on the wire."""
    return json.dumps(value, separators=(",", ":")).encode()


def _canonical(value: dict) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


async def _requester(session: AsyncSession, caller: Caller, req_gln: str, today: date) -> int:
    """The partner id behind ``caller`` if it may ask as ``req_gln`` today, else 403."""
    key = f"API key ck_{caller.prefix}_..."
    if caller.partner_id is None:
        raise Forbidden(f"{key} is an operator key; a verification request comes from a trading "
                        "partner's key", field="Authorization")
    partner = await repo.requester(session, caller.partner_id)
    assert partner is not None, "an API key's partner is never deleted"
    if req_gln not in {g.gln for g in partner.glns}:
        raise Forbidden(f"reqGLN {req_gln} is not a GLN of the partner holding {key}",
                        field="reqGLN", found=req_gln)
    if reason := partner.not_authorized_because(today):
        raise Forbidden(f"requester {req_gln} is not an authorized trading partner: {reason}",
                        field="reqGLN", found=req_gln)
    return partner.id


async def respond(
    session: AsyncSession, caller: Caller, operator_gln: str | None, fields: dict[str, str],
    version: str | None, now: datetime, appender: GroupAppender | None = None,
) -> bytes:
    """Answer one verification request from ledger state; return the exact 200 body.

    ``fields`` are the request's path and query parameters by their R1.3 names. The answer
    is stored with the request (``vrs_evidence``) and its hash appended to the Merkle log,
    both committed before this returns: in the caller's transaction, or with ``appender`` in
    a batch with other answers (group commit; the caller's transaction, which has only read,
    ends first). The same requester asking again under the same ``corrUUID`` gets the stored
    answer (a retry), a different request under it a 400.
    """
    if operator_gln is None:
        raise _unconfigured()
    today = now.date()
    try:
        codes.check_version(version)
        asked = codes.check_request(
            gtin=fields["gtin"], lot=fields["lot"], serial=fields["serial"], exp=fields.get("exp"),
            link_type=fields.get("linkType"), context=fields.get("context"),
            req_gln=fields.get("reqGLN"), corr_uuid=fields.get("corrUUID"), today=today)
    except MalformedRequest as exc:
        raise _bad(exc) from None
    requester_id = await _requester(session, caller, asked.req_gln, today)
    if not await repo.operator_serves(session, operator_gln, asked.gtin):
        raise NotFound(f"gtin {asked.gtin}: this responder does not answer for it (not a GTIN "
                       "of the brand owners it serves)", field="gtin", headers=HEADERS)
    request = _canonical({
        "gtin": asked.gtin, "lot": asked.lot, "serial": asked.serial, "exp": asked.exp,
        "linkType": codes.LINK_TYPE, "context": asked.context, "reqGLN": asked.req_gln,
        "corrUUID": asked.corr_uuid, **{k: fields[k] for k in OPTIONAL if fields.get(k)},
    })
    if (given := await _replay(session, requester_id, asked.corr_uuid, request)) is not None:
        return given
    data = codes.answer(await repo.unit_state(session, asked.gtin, asked.serial), asked, today)
    response = json_bytes({
        "verificationTimestamp": timestamp(now), "responderGLN": operator_gln,
        "corrUUID": asked.corr_uuid, "data": data.to_json(),
    })
    digest = evidence_hash(request, response)
    entry = ledger.Entry(digest, now, asked.req_gln)

    def evidence(leaf: ledger.Appended) -> list[object]:
        return [VrsEvidence(requester_id=requester_id, corr_uuid=asked.corr_uuid, request=request,
                            response=response, evidence_hash=digest, leaf_index=leaf.leaf_index,
                            answered_at=now)]

    if appender is None:
        [leaf] = await ledger.append(session, [entry])
        session.add_all(evidence(leaf))
        await session.flush()
        return response
    await session.commit()  # it only read: hold no connection while the batch commits
    try:
        await appender.append(entry, evidence)
    except IntegrityError:  # the same corrUUID in flight twice: the first one stored wins
        if (given := await _replay(session, requester_id, asked.corr_uuid, request)) is not None:
            return given
        raise
    return response


async def _replay(session: AsyncSession, requester_id: int, corr_uuid: str,
                  request: bytes) -> bytes | None:
    """The stored answer to this request under ``corr_uuid`` (a retry), None when there is
    none, or 400 when the corrUUID was used for another request."""
    given = await repo.evidence(session, requester_id, corr_uuid)
    if given is None:
        return None
    if given.request != request:
        raise VrsBadRequest(
            f"corrUUID {corr_uuid}: already used by this requester for another request; "
            "expected a new UUID for each request", field="corrUUID", found=corr_uuid,
            headers=HEADERS)
    return given.response


async def connectivity(
    session: AsyncSession, caller: Caller, operator_gln: str | None, gtin: str | None,
    req_gln: str | None, today: date,
) -> dict[str, str]:
    """``checkConnectivity``: the responder's GLN, once the caller may ask (and, given a GTIN,
    when this responder answers for it)."""
    if operator_gln is None:
        raise _unconfigured()
    if not req_gln:
        raise VrsBadRequest("reqGLN: required, got nothing", field="reqGLN", headers=HEADERS)
    await _requester(session, caller, req_gln, today)
    if gtin is not None:
        try:
            codes.check_gtin(gtin)
        except MalformedRequest as exc:
            raise _bad(exc) from None
        if not await repo.operator_serves(session, operator_gln, gtin):
            raise NotFound(f"gtin {gtin}: this responder does not answer for it", field="gtin")
    return {"responderGLN": operator_gln}


# -- requester -------------------------------------------------------------------------------

def check_route(prefix: str, url: str, api_key: str) -> None:
    """A route names a company prefix (6-12 digits) or a GTIN-14, an http(s) URL and a key."""
    if not (prefix.isascii() and prefix.isdigit() and (6 <= len(prefix) <= 12 or len(prefix) == 14)):
        raise ValidationFailed(f"prefix: expected a GS1 Company Prefix (6 to 12 digits) or a "
                               f"GTIN-14, got {prefix!r}", field="prefix", found=prefix)
    if len(prefix) == 14:
        try:
            codes.check_gtin(prefix, "prefix")
        except MalformedRequest as exc:
            raise ValidationFailed(str(exc), field="prefix", found=prefix) from None
    if not url.startswith(("http://", "https://")) or len(url) > 500:
        raise ValidationFailed(f"url: expected the responder's http(s) base URL, got {url!r}",
                               field="url", found=url)
    if not api_key.strip() or len(api_key) > 200:
        raise ValidationFailed("api_key: expected the key the responder issued (1 to 200 "
                               "characters)", field="api_key")


async def add_route(
    session: AsyncSession, prefix: str, url: str, api_key: str, partner_gln: str | None = None
) -> VrsRoute:
    """Route verifications of GTINs under ``prefix`` to ``url`` (replacing an earlier route)."""
    check_route(prefix, url, api_key)
    partner_id = None
    if partner_gln is not None:
        partner_id = await repo.partner_by_gln(session, partner_gln)
        if partner_id is None:
            raise NotFound(f"no trading partner has GLN {partner_gln}", field="partner")
    route = await session.get(VrsRoute, prefix)
    if route is None:
        route = VrsRoute(prefix=prefix)
        session.add(route)
    route.url, route.api_key, route.partner_id = url, api_key, partner_id
    await session.flush()
    return route


async def routes(session: AsyncSession) -> list[VrsRoute]:
    return await repo.routes(session)


def ask_for(
    operator_gln: str | None, gtin: str, lot: str, serial: str, exp: str, context: str, today: date
) -> Asked:
    """A checked request to send, under a new corrUUID; 422 naming a malformed field."""
    if operator_gln is None:
        raise _unconfigured()
    try:
        return codes.check_request(
            gtin=gtin, lot=lot, serial=serial, exp=exp, link_type=codes.LINK_TYPE,
            context=context, req_gln=operator_gln, corr_uuid=str(uuid.uuid4()), today=today)
    except MalformedRequest as exc:
        raise ValidationFailed(str(exc), field=exc.field, found=exc.found) from None


async def verify(
    sessions: async_sessionmaker[AsyncSession], asked: Asked, actor: str, *,
    timeout: float = TIMEOUT, retries: int = RETRIES,
) -> Verification:
    """Ask the responder routed for ``asked.gtin`` and record its answer against the unit.

    No transaction stays open while the responder thinks (as the capture worker's
    ``run_once``, this commits its own): the route is read in one, the answer recorded in
    another. A transaction held across the call would keep a connection from the pool for
    up to ``timeout x (retries + 1)`` seconds, and on SQLite a responder writing the same file
    (the demo asking itself) would make its write fail.
    """
    async with sessions.begin() as session:
        route = await repo.route_for(session, asked.gtin)
    if route is None:
        raise NotFound(f"gtin {asked.gtin}: no VRS route for it or its company prefix; add one "
                       "with `custody vrs route add PREFIX URL --key KEY`", field="gtin")
    reply = await client.ask(route.url, asked, route.api_key, timeout=timeout, retries=retries)
    async with sessions.begin() as session:
        return await record_answer(session, asked, responder_url=reply.url,
                                   status_code=reply.status_code, body=reply.body,
                                   error=reply.error, actor=actor)


async def record_answer(
    session: AsyncSession, asked: Asked, *, responder_url: str, status_code: int | None,
    body: dict | None, error: str | None, actor: str,
) -> Verification:
    """Store what a responder answered to ``asked`` against the unit, and return the row.

    ``verified`` is None unless a well-formed 200 answer echoing ``asked.corr_uuid`` came
    back: the error says what was wrong. Hooks (a saleable return accepted, a suspect
    investigation opened) read the returned row.
    """
    verified = reason = info = gln = None
    if body is not None:
        found = body.get("data")
        data: dict[str, Any] = found if isinstance(found, dict) else {}
        if body.get("corrUUID") != asked.corr_uuid:
            error = f"answer echoes corrUUID {body.get('corrUUID')!r}, expected {asked.corr_uuid!r}"
        elif not isinstance(data.get("verified"), bool):
            error = f"answer's data.verified is {data.get('verified')!r}, expected true or false"
        else:
            verified = data["verified"]
            reason, info = data.get("verificationFailureReason"), data.get("additionalInfo")
            gln = body.get("responderGLN")
    row = Verification(
        unit_id=await repo.unit_id(session, asked.gtin, asked.serial), gtin=asked.gtin,
        serial=asked.serial, lot=asked.lot, expiry=asked.expiry, context=asked.context,
        corr_uuid=asked.corr_uuid, responder_url=responder_url, status_code=status_code,
        responder_gln=str(gln)[:13] if gln else None, verified=verified,
        failure_reason=str(reason)[:50] if reason else None,
        additional_info=str(info)[:50] if info else None, answer=body, error=error, actor=actor,
    )
    session.add(row)
    await session.flush()
    return row
