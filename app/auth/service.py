"""Issue, revoke and check API keys; every issue and revoke is an audit entry in the Merkle log."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import repository
from app.auth.keys import SCOPES, digest, new_key, split_key
from app.errors import NotFound, Unauthorized, ValidationFailed
from app.models import ApiKey, StaffUser
from app.models.base import utcnow
from app.partners.repository import find_partner

KEY_FORMAT = "Authorization: Bearer ck_<prefix>_<secret>"


@dataclass(frozen=True)
class Caller:
    """Who is calling: the key's partner (None for an operator key), scopes and prefix; for a
    staff member's personal key, ``staff`` is their (active) account."""

    partner_id: int | None
    scopes: frozenset[str]
    prefix: str
    staff: StaffUser | None = None

    @property
    def actor(self) -> str:
        return f"key:{self.prefix}"

    @property
    def sees_everything(self) -> bool:
        """Regulators and the operator's admins read every partner's data; a trading
        partner's key sees its own, whatever scopes it holds."""
        return "regulator" in self.scopes or ("admin" in self.scopes and self.partner_id is None)


def check_scopes(scopes: Iterable[str]) -> list[str]:
    """The scopes, deduplicated in order, or :class:`ValidationFailed` naming the unknown one."""
    out: list[str] = []
    for scope in scopes:
        if scope not in SCOPES:
            raise ValidationFailed(
                f"unknown scope {scope!r}; expected one of {', '.join(SCOPES)}",
                field="scopes",
                expected=", ".join(SCOPES),
                found=scope,
            )
        if scope not in out:
            out.append(scope)
    if not out:
        raise ValidationFailed(
            f"a key needs at least one scope; expected some of {', '.join(SCOPES)}", field="scopes"
        )
    return out


def check_operator_scopes(scopes: list[str]) -> None:
    """Refuse scopes an operator key (one issued to no partner) could never use.

    >>> check_operator_scopes(["capture"])
    Traceback (most recent call last):
    app.errors.ValidationFailed: scope 'capture' needs a key issued to a trading partner (captured events are submitted by one); an operator key cannot capture
    >>> check_operator_scopes(["query", "regulator"])
    """
    if "capture" in scopes:
        raise ValidationFailed(
            "scope 'capture' needs a key issued to a trading partner (captured events are "
            "submitted by one); an operator key cannot capture",
            field="scopes", found="capture",
        )
    if "query" in scopes and not {"admin", "regulator"} & set(scopes):
        raise ValidationFailed(
            "scope 'query' needs a key issued to a trading partner, or admin or regulator "
            "beside it; an operator key with query alone sees no event",
            field="scopes", found="query",
        )


async def issue(
    session: AsyncSession, partner_id: int | None, scopes: Iterable[str], name: str, actor: str,
    *, staff_id: int | None = None,
) -> tuple[ApiKey, str]:
    """Store a new key for ``partner_id`` (None: an operator key) and return it with its
    plaintext (shown once).

    With ``staff_id`` it is that staff member's personal key and ``scopes`` are permissions
    already checked by ``app.staff.keys`` (see there).
    """
    scopes = list(scopes) if staff_id is not None else check_scopes(scopes)
    if partner_id is None and staff_id is None:
        check_operator_scopes(scopes)
    if partner_id is not None and await find_partner(session, partner_id) is None:
        raise NotFound(f"no trading partner with id {partner_id}", field="partner_id")
    made = new_key()
    key = ApiKey(
        prefix=made.prefix, key_hash=made.digest, name=name, partner_id=partner_id, scopes=scopes,
        staff_id=staff_id,
    )
    session.add(key)
    await _audit(session, actor, "api_key.issue", made.prefix)
    return key, made.plaintext


async def revoke(session: AsyncSession, prefix: str, actor: str) -> ApiKey:
    """Revoke the key with ``prefix`` (revoking twice keeps the first time)."""
    key = await repository.key_by_prefix(session, prefix)
    if key is None:
        raise NotFound(f"no API key with prefix {prefix!r}", field="prefix")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await _audit(session, actor, "api_key.revoke", prefix)
    return key


async def _audit(session: AsyncSession, actor: str, action: str, prefix: str) -> None:
    """The change's entry in the audit trail, as ``key:<prefix>`` (its scopes, holder and name
    are the key's row, which never changes but for its revocation time)."""
    from app.audit import service as audit  # here: app.audit reaches this module through the ledger

    await audit.record(session, actor, action, f"key:{prefix}")


async def authenticate(session: AsyncSession, authorization: str | None) -> Caller:
    """The caller behind an ``Authorization`` header value, or :class:`Unauthorized`."""
    if not authorization:
        raise Unauthorized(f"no API key; expected header {KEY_FORMAT}")
    scheme, _, token = authorization.partition(" ")
    prefix = split_key(token.strip()) if scheme.lower() == "bearer" else None
    if prefix is None:
        raise Unauthorized(f"malformed API key; expected header {KEY_FORMAT}")
    key = await repository.key_by_prefix(session, prefix)
    if key is None or not hmac.compare_digest(key.key_hash, digest(token.strip())):
        raise Unauthorized(f"unknown API key ck_{prefix}_...")
    if key.revoked_at is not None:
        raise Unauthorized(f"API key ck_{prefix}_... was revoked")
    staff = None
    if key.staff_id is not None:
        staff = await session.get(StaffUser, key.staff_id)
        if staff is None or staff.disabled_at is not None:
            raise Unauthorized(f"API key ck_{prefix}_... belongs to a disabled staff account")
    return Caller(key.partner_id, frozenset(key.scopes), prefix, staff)
