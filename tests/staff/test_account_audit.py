"""Changes to who may act are leaves of the Merkle log: issuing or revoking an API key and
adding, disabling or re-passwording a staff account each append an audit entry that
``custody verify`` checks, so an edit or a deletion made behind the triggers is caught
(decision 0033). Sign-in attempts stay out of the log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app.auth import service as keys
from app.dialect import backend
from app.errors import NotFound, ValidationFailed
from app.ledger import core
from app.ledger import service as ledger
from app.ledger.verify import verify
from app.models import AuditEntry, AuditRecord, LedgerLeaf
from app.models.append_only import drop_append_only_ddl
from app.staff import service as staff
from tests.partners.helpers import MFG_GLN, make_partner
from tests.staff.helpers import PASSWORD

ORIGIN = "custody.test/log"


async def trail(session) -> list[AuditRecord]:
    return list(await session.scalars(select(AuditRecord).order_by(AuditRecord.id)))


async def signed(session) -> str:
    """Sign the log as it stands; the verifier key."""
    signer, verifier = core.generate_signer(ORIGIN)
    await ledger.sign_checkpoint(session, signer, ORIGIN)
    return verifier


async def behind_the_triggers(session, statement: str, **params) -> None:
    """What an insider holding the database could do: drop the triggers, then write."""
    for ddl in drop_append_only_ddl("audit_trail", backend(session)):
        await session.execute(text(ddl))
    assert (await session.execute(text(statement), params)).rowcount == 1


async def test_issuing_and_revoking_a_key_append_verifiable_leaves(session):
    partner = await make_partner(session, "Atlas", MFG_GLN)
    key, _ = await keys.issue(session, partner.id, ["capture"], "edi", "cli")
    await keys.revoke(session, key.prefix, "staff:dana")
    await keys.revoke(session, key.prefix, "staff:dana")  # revoked once, logged once
    rows = await trail(session)
    assert [(r.actor, r.action, r.object) for r in rows] == [
        ("cli", "api_key.issue", f"key:{key.prefix}"),
        ("staff:dana", "api_key.revoke", f"key:{key.prefix}"),
    ]
    logged = dict((await session.execute(select(LedgerLeaf.leaf_index, LedgerLeaf.event_hash))).all())
    assert [logged[r.leaf_index] for r in rows] == [r.entry_hash for r in rows]
    assert all(r.entry_hash.endswith("?type=audit") for r in rows)
    report = await verify(session, await signed(session))
    assert report.ok, report.mismatch
    assert (report.counts["audit_trail"], report.tree_size) == (2, 2)


async def test_refused_changes_log_nothing(session):
    with pytest.raises(NotFound):
        await keys.issue(session, 999, ["capture"], "edi", "cli")
    with pytest.raises(ValidationFailed):
        await keys.issue(session, None, ["root"], "x", "cli")
    with pytest.raises(NotFound):
        await keys.revoke(session, "nosuchkey", "cli")
    with pytest.raises(ValidationFailed):
        await staff.add_staff(session, "bob", "Bob", ["picker"], "short", "cli")
    with pytest.raises(NotFound):
        await staff.disable_staff(session, "nobody", "cli")
    assert await trail(session) == [] and await ledger.current_size(session) == 0


async def test_staff_account_changes_are_leaves_and_an_edit_is_caught(session):
    await staff.add_staff(session, "alice", "Alice Kim", ["picker"], PASSWORD, "cli")
    await staff.set_password(session, "alice", "another long password", "staff:dana")
    await staff.disable_staff(session, "alice", "staff:dana")
    await staff.disable_staff(session, "alice", "staff:dana")  # disabled once, logged once
    assert [(r.actor, r.action, r.object) for r in await trail(session)] == [
        ("cli", "staff.add", "staff:alice"),
        ("staff:dana", "staff.passwd", "staff:alice"),
        ("staff:dana", "staff.disable", "staff:alice"),
    ]
    verifier = await signed(session)
    report = await verify(session, verifier)
    assert report.ok and report.counts["audit_trail"] == 3

    # Who disabled the account is rewritten to someone else.
    await behind_the_triggers(session, "UPDATE audit_trail SET actor = 'cli' "
                                       "WHERE action = 'staff.disable'")
    found = (await verify(session, verifier)).mismatch
    assert found is not None and found.table == "audit_trail"
    assert found.message == "stored audit entry does not hash to its entry_hash"
    assert "staff.disable staff:alice" in found.row


async def test_a_deleted_account_change_is_caught(session):
    await staff.add_staff(session, "alice", "Alice Kim", ["picker"], PASSWORD, "cli")
    await staff.disable_staff(session, "alice", "cli")
    verifier = await signed(session)
    await behind_the_triggers(session, "DELETE FROM audit_trail WHERE action = 'staff.disable'")
    found = (await verify(session, verifier)).mismatch
    assert found is not None and (found.table, found.row) == ("audit_trail", "(all)")
    assert found.message == "the log records audit entries the table no longer holds"


async def test_sign_in_attempts_stay_out_of_the_log(session):
    """Anyone can try to sign in: a stranger's attempts must not grow the log."""
    await staff.add_staff(session, "alice", "Alice Kim", ["picker"], PASSWORD, "cli")
    size = await ledger.current_size(session)
    assert (await staff.sign_in(session, "mallory", PASSWORD)).user is None
    assert (await staff.sign_in(session, "alice", PASSWORD)).user is not None
    assert await ledger.current_size(session) == size
    attempts = select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("staff.sign_in%"))
    assert await session.scalar(attempts) == 2
