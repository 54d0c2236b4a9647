"""Who reads cases and patient data (a staff member's roles, or an operator key as admin), and
the vault's keyring."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.deps import SessionDep
from app.models import StaffUser
from app.staff.deps import OperatorActor
from app.vault.crypto import Keyring
from app.vault.keys import load_keyring
from app.vault.service import Reader


async def _reader(session: SessionDep, actor: OperatorActor) -> Reader:
    if actor.staff_id is None:
        return Reader(actor.label, frozenset({"admin"}))  # an operator key with scope admin
    user = await session.get(StaffUser, actor.staff_id)
    return Reader(actor.label, frozenset(user.roles if user else ()))


def _keyring(request: Request) -> Keyring:
    return load_keyring(request.app.state.settings)


CaseReader = Annotated[Reader, Depends(_reader)]
KeyringDep = Annotated[Keyring, Depends(_keyring)]
