"""The patient-data vault: seal, read (audited), export, erase, re-key and retain.

Patient data is sealed under the case's own data key; nothing else in Custody holds it. Only
pharmacists and admins read it, and each read is written to ``vault_access`` (actor, action,
case; never the data). Erasure destroys the wrapped data key and the commitment salt: the
sealed records stay, unreadable by anyone. Services never commit.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.dialect import write_lock
from app.errors import CustodyError, Forbidden, NotFound, ValidationFailed
from app.models import Case, RetentionPolicy, VaultAccess, VaultKey, VaultRecord
from app.models.base import utcnow
from app.staff.roles import Permission, roles_with
from app.vault import crypto, repository
from app.vault.crypto import Keyring

log = structlog.get_logger("custody.vault")
READ_ROLES = frozenset(roles_with(Permission.CASES))  # the role table decides (decision 0032)
DOCUMENT_KINDS = ("prescription", "justification", "consent", "identity")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DEFAULT_POLICY = RetentionPolicy(country="*", patient_data_days=730, transaction_years=6)
"""Unless a country's row says otherwise: patient data shredded two years after a case ends;
transaction records (the ledger) kept six years, as DSCSA requires."""


class Erased(CustodyError):
    """The case's patient data was erased (its key destroyed)."""

    status, slug, title = 410, "patient-data-erased", "Patient data erased"


@dataclass(frozen=True)
class Reader:
    """Who asks for patient data, and their roles (an operator admin key counts as admin)."""

    actor: str
    roles: frozenset[str]


@dataclass(frozen=True)
class PatientData:
    name: str
    date_of_birth: date
    prescription: str = ""
    clinical_justification: str = ""


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    kind: str
    filename: str
    media_type: str
    size: int
    sha256: str
    created_at: datetime


@dataclass(frozen=True)
class PatientFile:
    patient: PatientData | None
    documents: tuple[DocumentInfo, ...]


def may_read(roles: frozenset[str]) -> bool:
    return bool(roles & READ_ROLES)


def _check(reader: Reader) -> None:
    if not may_read(reader.roles):
        raise Forbidden(f"{reader.actor} may not see patient data: expected role pharmacist or "
                        f"admin, got {', '.join(sorted(reader.roles)) or 'none'}",
                        required="pharmacist or admin")


def record_access(session: AsyncSession, actor: str, action: str, case: Case | None,
                  **detail: Any) -> None:
    """One row of the access log (``vault_access``): who did what to a case's patient data, or to
    data about the patient held elsewhere (adverse-event reports); never the data itself."""
    session.add(VaultAccess(actor=actor, action=action, case_id=case.id if case else None,
                            detail=detail))


async def _key(session: AsyncSession, ring: Keyring, case: Case,
               create: bool = False) -> tuple[VaultKey, bytes] | None:
    """The case's vault key row and its data key (made when ``create``), None when it has none,
    :class:`Erased` when it was shredded."""
    row = await repository.key_of(session, case.id, lock=create)
    if row is not None and row.shredded_at is not None:
        raise Erased(f"case {case.ref}: its patient data was erased on "
                     f"{row.shredded_at:%Y-%m-%d} ({row.shred_reason}); nothing can be read or "
                     "added", field="case_ref")
    if row is None:
        if not create:
            return None
        data_key = crypto.new_data_key()
        row = VaultKey(case_id=case.id, master_key_id=ring.current.id,
                       wrapped_key=crypto.wrap(ring.current, data_key, case.ref),
                       sealed_salt=crypto.seal(data_key, secrets.token_bytes(32), f"{case.ref}/salt"))
        session.add(row)
        await session.flush()
        return row, data_key
    assert row.master_key_id and row.wrapped_key, "an unshredded key has its wrapped key"
    try:
        return row, crypto.unwrap(ring, row.master_key_id, row.wrapped_key, case.ref)
    except KeyError:
        raise CustodyError(f"case {case.ref}: its data key is wrapped by master key "
                           f"{row.master_key_id}, which the configured keyring lacks "
                           "(keep old keys in CUSTODY_VAULT_KEY_FILE until `custody vault "
                           "rotate-master` has re-wrapped every case)",
                           field="CUSTODY_VAULT_KEY_FILE", found=row.master_key_id) from None


def _encode_patient(data: PatientData) -> bytes:
    return json.dumps({**asdict(data), "date_of_birth": data.date_of_birth.isoformat()}).encode()


def _decode_patient(raw: bytes) -> PatientData:
    values = json.loads(raw)
    return PatientData(**{**values, "date_of_birth": date.fromisoformat(values["date_of_birth"])})


async def put_patient(session: AsyncSession, ring: Keyring, case: Case, data: PatientData,
                      reader: Reader) -> None:
    """Seal the patient's details for ``case`` (a later one supersedes an earlier)."""
    _check(reader)
    if not data.name.strip():
        raise ValidationFailed("name: expected the patient's name, got nothing", field="name")
    await write_lock(session)
    _, key = await _key(session, ring, case, create=True) or (None, b"")
    session.add(VaultRecord(case_id=case.id, kind="patient", created_by=reader.actor,
                            sealed=crypto.seal(key, _encode_patient(data), f"{case.ref}/patient")))
    record_access(session, reader.actor, "write", case, kind="patient")
    await session.flush()


async def add_document(session: AsyncSession, ring: Keyring, case: Case, kind: str,
                       filename: str, media_type: str, content: bytes, reader: Reader) -> int:
    """Seal a document (prescription, justification, consent, identity); returns its id."""
    _check(reader)
    if kind not in DOCUMENT_KINDS:
        raise ValidationFailed(f"kind: expected one of {', '.join(DOCUMENT_KINDS)}, got "
                               f"{kind[:30]!r}", field="kind", expected=list(DOCUMENT_KINDS))
    if not 0 < len(content) <= MAX_DOCUMENT_BYTES:
        raise ValidationFailed(f"file: expected 1 to {MAX_DOCUMENT_BYTES} bytes, got "
                               f"{len(content)}", field="file")
    await write_lock(session)
    _, key = await _key(session, ring, case, create=True) or (None, b"")
    plain = crypto.pack_document(filename[:200] or "document", media_type[:100], content)
    row = VaultRecord(case_id=case.id, kind=kind, created_by=reader.actor,
                      sealed=crypto.seal(key, plain, f"{case.ref}/{kind}"))
    session.add(row)
    await session.flush()
    record_access(session, reader.actor, "write", case, kind=kind, record=row.id)
    return row.id


async def _open(session: AsyncSession, ring: Keyring, case: Case):
    found = await _key(session, ring, case)
    rows = await repository.records(session, case.id)
    if found is None:
        return None, rows
    return found[1], rows


def _document_info(row: VaultRecord, plain: bytes) -> tuple[DocumentInfo, bytes]:
    filename, media_type, content = crypto.unpack_document(plain)
    return DocumentInfo(row.id, row.kind, filename, media_type, len(content),
                        hashlib.sha256(content).hexdigest(), row.created_at), content


async def read_patient(session: AsyncSession, ring: Keyring, case: Case,
                       reader: Reader) -> PatientFile:
    """The patient's details and the list of documents (audited as a read)."""
    _check(reader)
    key, rows = await _open(session, ring, case)
    patient, documents = None, []
    for row in rows if key else ():
        plain = crypto.open_sealed(key, row.sealed, f"{case.ref}/{row.kind}")
        if row.kind == "patient":
            patient = _decode_patient(plain)
        else:
            documents.append(_document_info(row, plain)[0])
    record_access(session, reader.actor, "read", case)
    await session.flush()
    return PatientFile(patient, tuple(documents))


async def read_document(session: AsyncSession, ring: Keyring, case: Case, record_id: int,
                        reader: Reader) -> tuple[DocumentInfo, bytes]:
    """One document's details and bytes (audited)."""
    _check(reader)
    row = await repository.record(session, case.id, record_id)
    if row is None or row.kind == "patient":
        raise NotFound(f"document {record_id}: expected a document of case {case.ref}, got none",
                       field="document_id")
    found = await _key(session, ring, case)
    assert found is not None, "a case with records has its key"
    record_access(session, reader.actor, "read-document", case, record=row.id)
    await session.flush()
    return _document_info(row, crypto.open_sealed(found[1], row.sealed, f"{case.ref}/{row.kind}"))


async def commitment(session: AsyncSession, ring: Keyring | None, case: Case) -> str | None:
    """The case's salted commitment to its patient (see :func:`crypto.commitment`), or None when
    no vault key is configured (``ring`` None) or the vault holds no patient details for it yet."""
    found = await _key(session, ring, case) if ring else None
    if found is None:
        return None
    row, key = found
    patient = None
    for record in await repository.records(session, case.id):
        if record.kind == "patient":
            patient = _decode_patient(crypto.open_sealed(key, record.sealed, f"{case.ref}/patient"))
    if patient is None:
        return None
    assert row.sealed_salt is not None
    salt = crypto.open_sealed(key, row.sealed_salt, f"{case.ref}/salt")
    return crypto.commitment(salt, case.ref, patient.name, patient.date_of_birth.isoformat())


async def erase(session: AsyncSession, case: Case, actor: str, reason: str) -> bool:
    """Crypto-shred: destroy the case's wrapped data key and salt. False if already done or
    never made (nothing to destroy)."""
    await write_lock(session)
    row = await repository.key_of(session, case.id, lock=True)
    if row is None or row.shredded_at is not None:
        return False
    row.wrapped_key = row.sealed_salt = row.master_key_id = None
    row.shredded_at, row.shred_reason = utcnow(), reason[:100]
    record_access(session, actor, "erase", case, reason=reason[:100])
    await session.flush()
    return True


async def erase_by(session: AsyncSession, case: Case, reader: Reader, reason: str) -> bool:
    """:func:`erase` by a reader allowed to see the data (pharmacist or admin)."""
    _check(reader)
    return await erase(session, case, reader.actor, reason)


async def export(session: AsyncSession, ring: Keyring, case: Case, reader: Reader,
                 facts: dict[str, Any]) -> dict[str, Any]:
    """Everything held about the case's patient (GDPR art. 15): ``facts`` (the case as the
    caller shows it), the patient's details, each document with its bytes (base64), and who
    read the data when. Audited."""
    _check(reader)
    key, rows = await _open(session, ring, case)
    patient, documents = None, []
    for row in rows if key else ():
        plain = crypto.open_sealed(key, row.sealed, f"{case.ref}/{row.kind}")
        if row.kind == "patient":
            patient = _decode_patient(plain)
        else:
            info, content = _document_info(row, plain)
            documents.append({**asdict(info), "content_base64": base64.b64encode(content).decode()})
    accesses = [{"at": a.at, "actor": a.actor, "action": a.action}
                for a in await repository.access_log(session, case.id)]
    record_access(session, reader.actor, "export", case)
    await session.flush()
    return json.loads(json.dumps({
        "exported_at": utcnow(), "case": facts,
        "patient": asdict(patient) if patient else None, "documents": documents,
        "access_log": accesses,
    }, default=str))


async def rotate_master(session: AsyncSession, ring: Keyring, actor: str) -> int:
    """Re-wrap every live data key under the keyring's current master key (the sealed data is
    untouched); returns how many were re-wrapped."""
    await write_lock(session)
    count, before = 0, set()
    for row, ref in await repository.live_keys(session):
        if row.master_key_id == ring.current.id:
            continue
        assert row.master_key_id and row.wrapped_key
        before.add(row.master_key_id)
        try:
            data_key = crypto.unwrap(ring, row.master_key_id, row.wrapped_key, ref)
        except KeyError:
            raise CustodyError(f"case {ref}: its data key is wrapped by master key "
                               f"{row.master_key_id}, which the keyring lacks",
                               field="CUSTODY_VAULT_KEY_FILE") from None
        row.wrapped_key = crypto.wrap(ring.current, data_key, ref)
        row.master_key_id = ring.current.id
        count += 1
    record_access(session, actor, "rotate-master", None, to=ring.current.id, rewrapped=count,
           previous=sorted(before))
    await session.flush()
    log.info("vault master key rotated", to=ring.current.id, rewrapped=count)
    return count


def policy_for(policies: Sequence[RetentionPolicy], country: str) -> RetentionPolicy:
    by_country = {p.country: p for p in policies}
    return by_country.get(country) or by_country.get("*") or DEFAULT_POLICY


async def set_policy(session: AsyncSession, country: str, patient_data_days: int,
                     transaction_years: int = 6) -> RetentionPolicy:
    country = country.strip().upper()
    if country != "*" and not (len(country) == 2 and country.isalpha()):
        raise ValidationFailed(f"country: expected an ISO 3166 alpha-2 code or '*', got "
                               f"{country[:10]!r}", field="country")
    if patient_data_days < 0 or transaction_years < 6:
        raise ValidationFailed("retention: expected patient_data_days >= 0 and transaction_years "
                               f">= 6 (DSCSA), got {patient_data_days} and {transaction_years}",
                               field="transaction_years" if transaction_years < 6 else
                               "patient_data_days")
    row = await session.get(RetentionPolicy, country)
    if row is None:
        row = RetentionPolicy(country=country)
        session.add(row)
    row.patient_data_days, row.transaction_years = patient_data_days, transaction_years
    await session.flush()
    return row


async def policies(session: AsyncSession) -> list[RetentionPolicy]:
    rows = list(await repository.policies(session))
    return rows if any(r.country == "*" for r in rows) else [DEFAULT_POLICY, *rows]


@dataclass(frozen=True)
class Shredded:
    case_ref: str
    country: str
    ended: datetime
    kept_days: int


async def run_retention(session: AsyncSession, actor: str,
                        now: datetime | None = None) -> list[Shredded]:
    """Shred the patient data of every case that ended (closed or cancelled) longer ago than its
    country's policy keeps it; log each by case reference, never the data."""
    now = now or utcnow()
    rules = await repository.policies(session)
    done = []
    for case, ended in await repository.ended_with_live_keys(session):
        days = policy_for(rules, case.country).patient_data_days
        if ended + timedelta(days=days) <= now and await erase(
                session, case, actor, f"retention: {days} days after {case.status.value}"):
            done.append(Shredded(case.ref, case.country, ended, days))
            log.info("vault retention shredded a case's patient data", case_ref=case.ref,
                     country=case.country, ended=ended.isoformat(), kept_days=days)
    log.info("vault retention ran", shredded=len(done))
    return done
