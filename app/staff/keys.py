"""Staff members' personal API keys: issued for one account, acting as it, with its roles.

A personal key may be limited to some of its holder's permissions (``app.staff.roles``);
without a limit it follows the holder's roles as they change. Disabling the account stops
its keys at once (``app.auth.service.authenticate`` checks on every request).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import repository
from app.auth import service as keys
from app.auth.keys import split_key
from app.errors import NotFound, ValidationFailed
from app.models import ApiKey, StaffUser
from app.staff.roles import PERMISSIONS, Permission, permissions_of
from app.staff.service import get_staff


def key_permissions(key_scopes: Iterable[str], roles: Iterable[str]) -> frozenset[Permission]:
    """What a personal key may do: its holder's permissions, narrowed by the key's list.

    >>> sorted(p.value for p in key_permissions([], ["pharmacist"]))
    ['adverse', 'cases', 'investigate', 'quarantine', 'scan', 'ship', 'trace']
    >>> sorted(p.value for p in key_permissions(["scan", "recall"], ["pharmacist"]))
    ['scan']
    """
    held = permissions_of(roles)
    limit = set(key_scopes)
    return held if not limit else frozenset(p for p in held if p.value in limit)


def check_limit(user: StaffUser, permissions: Iterable[str]) -> list[str]:
    """The permissions to limit a key to, deduplicated; each one the holder has."""
    held = permissions_of(user.roles)
    out: list[str] = []
    for name in permissions:
        if name not in PERMISSIONS:
            raise ValidationFailed(f"scopes: expected some of {', '.join(PERMISSIONS)} for a staff "
                                   f"key, got {name!r}", field="scopes", found=name)
        if Permission(name) not in held:
            raise ValidationFailed(
                f"scopes: {user.username} ({', '.join(user.roles)}) may not {name}; a personal key "
                f"holds only what its holder may do", field="scopes", found=name)
        if name not in out:
            out.append(name)
    return out


async def issue_staff_key(session: AsyncSession, username: str, permissions: Iterable[str],
                          name: str, actor: str) -> tuple[ApiKey, str]:
    """A personal key for ``username`` (shown once), optionally limited to ``permissions``."""
    user = await get_staff(session, username)
    if user.disabled_at is not None:
        raise ValidationFailed(f"username: staff account {user.username!r} is disabled",
                               field="username", found=user.username)
    name = name.strip() or "personal key"
    if len(name) > 100:
        raise ValidationFailed(f"name: expected at most 100 characters, got {len(name)}",
                               field="name")
    return await keys.issue(session, None, check_limit(user, permissions), name, actor,
                            staff_id=user.id)


async def staff_keys(session: AsyncSession, user: StaffUser) -> Sequence[ApiKey]:
    """``user``'s personal keys, newest first."""
    return await repository.keys_of_staff(session, user.id)


async def revoke_own_key(session: AsyncSession, user: StaffUser, prefix: str) -> ApiKey:
    """Revoke one of ``user``'s own keys; anyone else's key is not found (nothing said of it)."""
    key = await repository.key_by_prefix(session, prefix) if split_key(f"ck_{prefix}_{'x' * 20}") else None
    if key is None or key.staff_id != user.id:
        raise NotFound(f"you hold no API key with prefix {prefix!r}", field="prefix", found=prefix)
    return await keys.revoke(session, prefix, f"staff:{user.username}")
