"""Store a raw EPCIS document and its capture job in the caller's transaction."""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.capture import repository
from app.dialect import write_lock  # noqa: F401  (the router takes it before capture())
from app.errors import CustodyError, NotFound, ValidationFailed
from app.models import CaptureJob, RawDocument
from app.partners.repository import find_partner
from epcis.errors import EpcisError, HostileDocumentError
from epcis.read import detect_format
from epcis.safexml import root_start

BEHAVIOURS = ("rollback", "proceed")
JSON_TYPES = ("application/json", "application/ld+json")
XML_TYPES = ("application/xml", "text/xml")
MEDIA_TYPES = {"1.2-xml": "application/xml", "2.0-xml": "application/xml",
               "2.0-jsonld": "application/ld+json"}


class UnsupportedMediaType(CustodyError):
    """The body is not an EPCIS document in a syntax Custody reads."""

    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class DocumentRefused(CustodyError):
    """The document is hostile or unreadable before any event is looked at."""

    status, slug, title = 400, "epcis-document", "EPCIS document refused"


@dataclass(frozen=True)
class Captured:
    job: CaptureJob
    created: bool


def sniff(body: bytes, content_type: str | None) -> str:
    """The document format, from its bytes, checked against a declared JSON or XML type."""
    try:
        fmt = detect_format(body[:8192])
    except EpcisError as exc:
        raise UnsupportedMediaType(str(exc), expected="EPCIS 1.2/2.0 XML or 2.0 JSON-LD") from None
    declared = (content_type or "").split(";")[0].strip().lower()
    family = "json" if declared in JSON_TYPES else "xml" if declared in XML_TYPES else None
    if family and family != ("json" if fmt == "2.0-jsonld" else "xml"):
        raise UnsupportedMediaType(
            f"Content-Type {declared} does not match the body, which is {fmt}",
            field="Content-Type",
            found=declared,
        )
    if fmt != "2.0-jsonld":
        try:
            root_start(io.BytesIO(body))  # refuses DTDs and entities before anything is stored
        except HostileDocumentError as exc:
            raise DocumentRefused(str(exc), headers=None, **exc.to_dict()) from None
        except EpcisError as exc:
            raise DocumentRefused(str(exc), headers=None, **exc.to_dict()) from None
    return fmt


def check_behaviour(value: str | None) -> str | None:
    if value is None or value in BEHAVIOURS:
        return value
    raise ValidationFailed(
        f"GS1-Capture-Error-Behaviour {value!r}: expected rollback or proceed",
        field="GS1-Capture-Error-Behaviour",
        found=value,
    )


async def capture(
    session: AsyncSession,
    body: bytes,
    content_type: str | None,
    partner_id: int | None,
    behaviour: str | None = None,
) -> Captured:
    """Store ``body`` and a pending job; the same partner's same bytes again give the same job.

    Another partner's same bytes are a new document and job, answered as any capture is: its
    events are stored already, so the job skips them as it skips any event stored before.
    """
    behaviour = check_behaviour(behaviour)
    fmt = sniff(body, content_type)
    digest = hashlib.sha256(body).hexdigest()
    existing = await _stored(session, partner_id, digest)
    if existing is not None:
        return existing
    doc = RawDocument(
        content_hash=digest, media_type=MEDIA_TYPES[fmt], size=len(body), body=body,
        partner_id=partner_id,
    )
    try:
        async with session.begin_nested():  # a racing copy of these bytes may commit first
            session.add(doc)
    except IntegrityError:
        raced = await _stored(session, partner_id, digest)
        if raced is None:
            raise
        return raced
    if behaviour is None and partner_id is not None:  # the partner's policy decides
        partner = await find_partner(session, partner_id)
        behaviour = partner.exception_policy if partner else None
    job = CaptureJob(id=str(uuid.uuid4()), document_id=doc.id, partner_id=partner_id,
                     error_behaviour=behaviour, errors=[])
    session.add(job)
    await session.flush()
    return Captured(job, True)


async def _stored(session: AsyncSession, partner_id: int | None, digest: str) -> Captured | None:
    """The job of the partner's document with these bytes, if it sent them before."""
    existing = await repository.document_by_hash(session, partner_id, digest)
    if existing is None:
        return None
    job = await repository.job_of(session, existing.id)
    assert job is not None, "a stored document has its capture job"
    return Captured(job, False)


async def get_job(session: AsyncSession, job_id: str, partner_id: int | None, everything: bool):
    """The job if the caller may see it (its own, or any for admins), else NotFound."""
    job = await repository.get_job(session, job_id)
    if job is None or not (everything or job.partner_id == partner_id):
        raise NotFound(f"no capture job {job_id}", field="captureID")
    return job


async def list_jobs(session: AsyncSession, partner_id: int | None, everything: bool, limit: int):
    """Newest jobs first: the caller's own, or everyone's for admins and regulators."""
    return await repository.list_jobs(session, limit, partner_id, everything)
