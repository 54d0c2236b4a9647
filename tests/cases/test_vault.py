"""The patient-data vault: sealing, audited reads, roles, rotation, erasure, export, retention."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from app.cases import service as cases
from app.errors import Forbidden
from app.models import CaseStatus, VaultAccess, VaultKey, VaultRecord
from app.models.base import utcnow
from app.vault import crypto
from app.vault import service as vault
from app.vault.crypto import Keyring, SealBroken, new_master_key
from app.vault.service import Erased, PatientData, Reader
from tests.cases.conftest import spec

PHARMACIST = Reader("staff:pharm", frozenset({"pharmacist"}))
RECEIVER = Reader("staff:recv", frozenset({"receiver", "picker"}))
PATIENT = PatientData("Ada Fictional", date(1980, 2, 3), "Zenterva 2 vials", "no local option")


async def accesses(session, case) -> list[str]:
    return list(await session.scalars(select(VaultAccess.action).where(
        VaultAccess.case_id == case.id).order_by(VaultAccess.id)))


async def test_patient_data_is_sealed_read_by_pharmacists_and_each_read_audited(
        session, partners, ring):
    case = await cases.open_case(session, spec(), "test")
    await vault.put_patient(session, ring, case, PATIENT, PHARMACIST)
    doc = await vault.add_document(session, ring, case, "consent", "consent-ada.pdf",
                                   "application/pdf", b"%PDF-1.4 signed", PHARMACIST)
    sealed = (await session.scalars(select(VaultRecord.sealed).where(
        VaultRecord.case_id == case.id))).all()
    assert all(b"Ada" not in s and b"consent-ada" not in s for s in sealed)
    found = await vault.read_patient(session, ring, case, PHARMACIST)
    assert found.patient == PATIENT and found.documents[0].filename == "consent-ada.pdf"
    info, content = await vault.read_document(session, ring, case, doc, PHARMACIST)
    assert content == b"%PDF-1.4 signed" and info.media_type == "application/pdf"
    with pytest.raises(Forbidden, match="staff:recv may not see patient data: expected role "
                       "pharmacist or admin, got picker, receiver"):
        await vault.read_patient(session, ring, case, RECEIVER)
    assert await accesses(session, case) == ["write", "write", "read", "read-document"]


async def test_a_record_moved_to_another_case_does_not_open(session, partners, ring):
    one = await cases.open_case(session, spec(), "test")
    two = await cases.open_case(session, spec(), "test")
    await vault.put_patient(session, ring, one, PATIENT, PHARMACIST)
    await vault.put_patient(session, ring, two, PATIENT, PHARMACIST)
    key = await session.get(VaultKey, two.id)
    data_key = crypto.unwrap(ring, key.master_key_id, key.wrapped_key, two.ref)
    record = (await session.scalars(select(VaultRecord).where(VaultRecord.case_id == one.id))).one()
    with pytest.raises(SealBroken):
        crypto.open_sealed(data_key, record.sealed, f"{two.ref}/patient")
    with pytest.raises(SealBroken):  # the wrapped key itself is bound to its case
        crypto.unwrap(ring, key.master_key_id, key.wrapped_key, one.ref)


async def test_rotation_rewraps_keys_and_leaves_the_data_as_it_was(session, partners, ring):
    case = await cases.open_case(session, spec(), "test")
    await vault.put_patient(session, ring, case, PATIENT, PHARMACIST)
    before = (await session.scalars(select(VaultRecord.sealed))).all()
    newer = new_master_key()
    assert await vault.rotate_master(session, Keyring((*ring.keys, newer)), "test") >= 1
    assert (await session.get(VaultKey, case.id)).master_key_id == newer.id
    assert (await session.scalars(select(VaultRecord.sealed))).all() == before
    found = await vault.read_patient(session, Keyring((newer,)), case, PHARMACIST)  # old key gone
    assert found.patient == PATIENT


async def test_erasure_shreds_the_key_and_the_data_is_gone_for_good(session, partners, ring):
    case = await cases.open_case(session, spec(), "test")
    await vault.put_patient(session, ring, case, PATIENT, PHARMACIST)
    assert await vault.commitment(session, ring, case) is not None
    assert await vault.erase(session, case, "test", "art. 17 request")
    assert not await vault.erase(session, case, "test", "again")
    key = await session.get(VaultKey, case.id)
    assert key.wrapped_key is None and key.sealed_salt is None and key.shredded_at
    with pytest.raises(Erased, match=f"case {case.ref}: its patient data was erased on"):
        await vault.read_patient(session, ring, case, PHARMACIST)
    with pytest.raises(Erased):
        await vault.put_patient(session, ring, case, PATIENT, PHARMACIST)
    assert await session.scalar(select(func.count()).select_from(VaultRecord).where(
        VaultRecord.case_id == case.id)) == 1  # still there, unreadable


async def test_export_holds_everything_about_the_patient(session, partners, ring):
    from app.vault import pdf

    case = await cases.open_case(session, spec(), "test")
    await vault.put_patient(session, ring, case, PATIENT, PHARMACIST)
    await vault.add_document(session, ring, case, "identity", "id.png", "image/png", b"png",
                             PHARMACIST)
    out = await vault.export(session, ring, case, PHARMACIST, {"ref": case.ref})
    assert out["patient"]["name"] == "Ada Fictional" and out["case"] == {"ref": case.ref}
    assert out["documents"][0]["content_base64"] == "cG5n"
    assert [a["action"] for a in out["access_log"]] == ["write", "write"]
    assert pdf.render(out).startswith(b"%PDF-")
    assert (await accesses(session, case))[-1] == "export"


async def test_retention_shreds_ended_cases_past_their_country_policy(session, partners, ring):
    old = await cases.open_case(session, spec(), "test")
    recent = await cases.open_case(session, spec(), "test")
    open_ = await cases.open_case(session, spec(), "test")
    for case in (old, recent, open_):
        await vault.put_patient(session, ring, case, PATIENT, PHARMACIST)
    long_ago = utcnow() - timedelta(days=400)
    await cases.transition(session, old.ref, CaseStatus.CANCELLED, "t", now=long_ago)
    await cases.transition(session, recent.ref, CaseStatus.CANCELLED, "t")
    await vault.set_policy(session, "FR", 365)
    done = await vault.run_retention(session, "retention")
    assert [d.case_ref for d in done] == [old.ref]
    assert (await session.get(VaultKey, old.id)).shredded_at is not None
    assert (await session.get(VaultKey, recent.id)).shredded_at is None
    with pytest.raises(Exception, match="transaction_years >= 6"):
        await vault.set_policy(session, "FR", 30, 2)


async def test_the_access_log_is_append_only(session, partners, ring):
    case = await cases.open_case(session, spec(), "test")
    await vault.put_patient(session, ring, case, PATIENT, PHARMACIST)
    with pytest.raises(Exception, match="append-only"):
        async with session.begin_nested():
            await session.execute(text("UPDATE vault_access SET actor = 'someone else'"))
