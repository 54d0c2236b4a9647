"""Who reads cases, patient data and adverse events (a staff member holding the permission, with
their roles, or an operator key as admin), and the vault's keyring."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.deps import SessionDep
from app.models import StaffUser
from app.staff.deps import permitted
from app.staff.roles import Permission
from app.staff.service import Actor
from app.vault.crypto import Keyring
from app.vault.keys import load_keyring
from app.vault.service import Reader


def _reader(permission: Permission):
    """A dependency giving the :class:`Reader` for callers holding ``permission``."""

    async def dependency(session: SessionDep, actor: Actor = permitted(permission)) -> Reader:
        if actor.staff_id is None:
            return Reader(actor.label, frozenset({"admin"}))  # an operator key with scope admin
        user = await session.get(StaffUser, actor.staff_id)
        return Reader(actor.label, frozenset(user.roles if user else ()))

    return Depends(dependency)


def _keyring(request: Request) -> Keyring:
    return load_keyring(request.app.state.settings)


CaseReader = Annotated[Reader, _reader(Permission.CASES)]
"""Patient data and subject-access routes (the vault checks its own roles too)."""
AdverseReader = Annotated[Reader, _reader(Permission.ADVERSE)]
KeyringDep = Annotated[Keyring, Depends(_keyring)]
