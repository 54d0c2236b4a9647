"""Staff accounts, sign-in with lockout, and scan stations; every change is audited (account
changes in the Merkle log).

Passwords are hashed with argon2id (``argon2-cffi``, its default RFC 9106 low-memory
parameters). Five wrong passwords in a row lock an account for 15 minutes; a locked or
disabled account never has its password checked.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import ConfigurationError, Conflict, NotFound, ValidationFailed
from app.models import AuditEntry, ScanStation, StaffRole, StaffUser
from app.models.base import utcnow
from app.staff import repository
from app.staff.roles import Permission, permissions_of

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD, MAX_PASSWORD = 12, 256
ROLES = tuple(r.value for r in StaffRole)
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,49}")

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown usernames: they cost one verify too."""
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Actor:
    """Who acts for the operator: a signed-in staff member or an operator key."""

    label: str  # "staff:<username>" or "key:<prefix>", as the audit log names actors
    staff_id: int | None = None
    permissions: frozenset[Permission] = frozenset()  # what they may do (app.staff.roles)
    roles: tuple[str, ...] = ()  # as shown when they may not


def staff_actor(user: StaffUser, permissions: frozenset[Permission] | None = None) -> Actor:
    """``user`` acting with their roles' permissions (or ``permissions``: a key's limit)."""
    held = permissions_of(user.roles) if permissions is None else permissions
    return Actor(f"staff:{user.username}", user.id, held, tuple(user.roles))


def password_stamp(user: StaffUser) -> str:
    """A short digest of the password hash: a session made before a password change (or
    with another hash) no longer matches it."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def new_password() -> str:
    """A random 20-character password, for ``custody staff add`` to print once."""
    return secrets.token_urlsafe(15)


def check_password(password: str) -> str:
    """``password`` when long enough, else :class:`ValidationFailed` (never quoting it).

    >>> check_password("short")
    Traceback (most recent call last):
    app.errors.ValidationFailed: password: expected 12 to 256 characters, got 5
    """
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValidationFailed(
            f"password: expected {MIN_PASSWORD} to {MAX_PASSWORD} characters, got {len(password)}",
            field="password")
    return password


def check_username(username: str) -> str:
    """The username, lower-cased, when it is 2-50 of ``a-z 0-9 . _ -``.

    >>> check_username("Alice.K")
    'alice.k'
    >>> check_username("al ice")
    Traceback (most recent call last):
    app.errors.ValidationFailed: username: expected 2 to 50 of a-z, 0-9, '.', '_', '-' starting with a letter or digit, got 'al ice'
    """
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise ValidationFailed(
            "username: expected 2 to 50 of a-z, 0-9, '.', '_', '-' starting with a letter or "
            f"digit, got {username!r}", field="username", found=username)
    return name


def check_roles(roles: Iterable[str]) -> list[str]:
    """The roles, deduplicated in order; at least one, each among :data:`ROLES`."""
    out: list[str] = []
    for role in roles:
        if role not in ROLES:
            raise ValidationFailed(f"roles: expected some of {', '.join(ROLES)}, got {role!r}",
                                   field="roles", found=role)
        if role not in out:
            out.append(role)
    if not out:
        raise ValidationFailed(f"roles: expected at least one of {', '.join(ROLES)}", field="roles")
    return out


async def add_staff(session: AsyncSession, username: str, display_name: str, roles: Iterable[str],
                    password: str, actor: str) -> StaffUser:
    """Create an account; the password is kept only as its argon2 hash."""
    name = check_username(username)
    roles = check_roles(roles)
    if not display_name.strip() or len(display_name) > 200:
        raise ValidationFailed("display name: expected 1 to 200 characters", field="display_name")
    if await repository.by_username(session, name) is not None:
        raise Conflict(f"username {name!r} is taken", field="username", found=name)
    user = StaffUser(username=name, display_name=display_name.strip(), roles=roles,
                     password_hash=_hasher.hash(check_password(password)), failed_logins=0)
    session.add(user)
    await _audit(session, actor, "staff.add", name)
    return user


async def get_staff(session: AsyncSession, username: str) -> StaffUser:
    user = await repository.by_username(session, username.strip().lower())
    if user is None:
        raise NotFound(f"no staff account {username!r}", field="username", found=username)
    return user


async def list_staff(session: AsyncSession) -> Sequence[StaffUser]:
    return await repository.staff_list(session)


async def disable_staff(session: AsyncSession, username: str, actor: str) -> StaffUser:
    """Disable an account (disabling twice keeps the first time); its sessions end."""
    user = await get_staff(session, username)
    if user.disabled_at is None:
        user.disabled_at = utcnow()
        await _audit(session, actor, "staff.disable", user.username)
    return user


async def set_password(session: AsyncSession, username: str, password: str, actor: str) -> StaffUser:
    """Replace the password (its sessions end) and lift any lockout."""
    user = await get_staff(session, username)
    user.password_hash = _hasher.hash(check_password(password))
    user.failed_logins, user.locked_until = 0, None
    await _audit(session, actor, "staff.passwd", user.username)
    return user


async def _audit(session: AsyncSession, actor: str, action: str, username: str) -> None:
    """An account change's entry in the audit trail (so in the Merkle log), as
    ``staff:<username>``; sign-in attempts stay in ``audit_log`` (decision 0033)."""
    from app.audit import service as audit  # here: app.audit imports this module (Actor)

    await audit.record(session, actor, action, f"staff:{username}")


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to: ``user`` on success, else ``failure`` to show."""

    user: StaffUser | None
    failure: str | None = None


WRONG = "wrong username or password"


async def sign_in(session: AsyncSession, username: str, password: str, *, source: str = "web",
                  now: datetime | None = None) -> SignIn:
    """Check a username and password; count failures and lock after :data:`MAX_FAILURES`.

    Every attempt is audited (``staff.sign_in`` or ``staff.sign_in_failed`` with the reason),
    and never raises for a wrong password: the caller commits the counts it wrote.
    """
    now = now or utcnow()
    name = username.strip().lower()[:50]
    user = await repository.by_username(session, name, lock=True)

    def audit(action: str, **detail) -> None:
        session.add(AuditEntry(actor=f"staff:{name}", action=action, subject=name,
                               detail={"source": source, **detail}))

    if user is None:
        _verify(_dummy_hash(), password)
        audit("staff.sign_in_failed", reason="unknown username")
        return SignIn(None, WRONG)
    if user.locked_until is not None and user.locked_until > now:
        audit("staff.sign_in_failed", reason="locked")
        until = user.locked_until.strftime("%H:%M UTC")
        return SignIn(None, f"account locked after {MAX_FAILURES} failed sign-ins; try again "
                            f"after {until} or ask an admin to reset the password")
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.failed_logins, user.locked_until = 0, now + LOCKOUT
            audit("staff.lockout", until=user.locked_until.isoformat())
        audit("staff.sign_in_failed", reason="wrong password")
        await session.flush()
        return SignIn(None, WRONG)
    if user.disabled_at is not None:
        audit("staff.sign_in_failed", reason="disabled")
        return SignIn(None, "this account is disabled; ask an admin")
    user.failed_logins, user.locked_until = 0, None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    audit("staff.sign_in")
    await session.flush()
    return SignIn(user)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def active_staff(session: AsyncSession, staff_id: int, stamp: str) -> StaffUser | None:
    """The account a session names, unless it was disabled or its password changed since."""
    user = await session.get(StaffUser, staff_id)
    if user is None or user.disabled_at is not None or password_stamp(user) != stamp:
        return None
    return user


# -- the operator and its stations ------------------------------------------------------

async def operator_partner(session: AsyncSession, operator_gln: str | None) -> int:
    """The id of the trading partner this instance runs for (``CUSTODY_OPERATOR_GLN``)."""
    if operator_gln is None:
        raise ConfigurationError(
            "CUSTODY_OPERATOR_GLN is not set: staff, stations and scans belong to the operator; "
            "set it to the operator's 13-digit GLN (custody demo sets one up)")
    partner_id = await repository.partner_by_gln(session, operator_gln)
    if partner_id is None:
        raise ConfigurationError(
            f"CUSTODY_OPERATOR_GLN {operator_gln} names no trading partner; onboard it first "
            "(custody partners add --gln ...)")
    return partner_id


async def add_station(session: AsyncSession, operator_gln: str | None, name: str, sgln: str,
                      actor: str) -> ScanStation:
    """A scan station named ``name`` at the operator's site ``sgln``."""
    operator = await operator_partner(session, operator_gln)
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ValidationFailed(f"station name: expected 1 to 100 characters, got {len(name)}",
                               field="name")
    location = await repository.location_by_sgln(session, sgln.strip())
    if location is None or location.partner_id != operator:
        raise ValidationFailed(
            f"site: expected the SGLN of one of the operator's locations, got {sgln!r}",
            field="sgln", found=sgln)
    if await repository.station_by_name(session, name) is not None:
        raise Conflict(f"scan station {name!r} exists", field="name", found=name)
    station = ScanStation(name=name, location_id=location.id)
    session.add(station)
    session.add(AuditEntry(actor=actor, action="station.add", subject=name, detail={"sgln": location.sgln}))
    await session.flush()
    return station


async def list_stations(session: AsyncSession) -> list[tuple[ScanStation, str]]:
    """Every station with its site's SGLN."""
    return await repository.stations(session)


async def get_station(session: AsyncSession, name: str) -> tuple[ScanStation, str]:
    """The station named ``name`` and its SGLN, or a 422 naming the stations there are."""
    # A name no station can have (a NUL, a lone surrogate) is never sent to the database.
    usable = name.isprintable() and name.encode("utf-8", "surrogatepass").decode("utf-8", "replace") == name
    found = await repository.station_by_name(session, name) if usable else None
    if found is None:
        names = ", ".join(s.name for s, _ in await repository.stations(session)) or "none set up"
        safe = name if usable else name.encode("unicode_escape").decode("ascii")
        shown = repr(safe) if usable else f"'{safe}'"
        raise ValidationFailed(f"station: expected a scan station's name ({names}), got {shown}",
                               field="station", found=safe)
    return found
