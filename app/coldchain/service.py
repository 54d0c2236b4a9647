"""The cold chain of a unit: its readings and its containers', assessed against its
product's storage range; an excursion beyond the budget opens an investigation (trigger
``cold-chain``) that quarantines the operator's units until QA clears them.

A unit's readings are those measured on it and on every container (SSCC) it was ever
aggregated in; each source (a captured event, an uploaded logger file) is one leg, and the
time outside the range sums over the legs against the one budget (decision 0018).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from operator import attrgetter

import anyio
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.bulk import paused_gc
from app.coldchain import repository
from app.coldchain.chart import svg, words
from app.coldchain.evaluate import Assessment, StorageRange, assess_legs
from app.coldchain.readings import Reading, ReadingError, from_csv, from_json
from app.coldchain.store import rows, source_of
from app.errors import NotFound, PayloadTooLarge, ValidationFailed
from app.investigations import repository as investigations_repository
from app.investigations import service as investigations
from app.models import Unit
from app.operator.service import Operator, OperatorNotConfigured, operator
from app.units.service import spellings

MAX_UPLOAD_BYTES = 5_000_000
"""A logger file larger than this is refused (413): a year of minute readings is ~20 MB of
CSV, a shipment's is far less."""
MAX_READINGS = 100_000


@dataclass(frozen=True)
class Evaluation:
    """A unit's (or a container's) cold chain as assessed now."""

    unit: Unit
    storage: StorageRange | None
    assessment: Assessment
    readings: list[Reading]
    sources: list[str]
    investigation_id: int | None = None

    @property
    def verdict(self) -> str:
        """The assessment's verdict, or ``no-range`` when the product has none set."""
        return self.assessment.verdict if self.storage else "no-range"


async def find_unit(session: AsyncSession, identifier: str, partner: int | None = None) -> Unit:
    """The unit named by ``identifier`` (URN, Digital Link or 18-digit SSCC); with
    ``partner``, only one that partner holds (any other is 'not found', never named)."""
    if identifier.isdigit() and len(identifier) == 18:
        unit = await repository.unit_of_sscc(session, identifier)
    else:
        unit = await repository.unit_named(session, spellings(identifier))
    if unit is None or (partner is not None and unit.custodian_id != partner):
        held = " in your custody" if partner is not None else ""
        raise NotFound(f"no unit {identifier}{held}", field="epc", found=identifier)
    return unit


async def storage_of(session: AsyncSession, *held: Unit) -> StorageRange | None:
    """The storage range of what ``held`` units are or hold: the tightest of their products'
    ranges (a mixed case keeps every product within its own), or None when none is set."""
    units = await investigations_repository.contents(session, held)
    found = [p for p in (await investigations_repository.products(
        session, {u.gtin for u in units if u.gtin})).values()
             if p.storage_low_c is not None and p.storage_high_c is not None]
    if not found:
        return None
    return StorageRange(max(p.storage_low_c for p in found if p.storage_low_c is not None),
                        min(p.storage_high_c for p in found if p.storage_high_c is not None),
                        timedelta(minutes=min(p.excursion_budget_minutes or 0 for p in found)))


@dataclass
class Shared:
    """What one arrival's evaluations share: the readings on each identifier (read once) and
    the assessment of each set of legs against each range (a case's vials share the case's)."""

    readings: dict[str, list[Reading]] = field(default_factory=dict)
    assessed: dict[tuple, tuple[Assessment, list[Reading], list[str]]] = field(
        default_factory=dict)

    async def measured(self, session: AsyncSession, epcs: set[str]) -> dict[str, list[Reading]]:
        """The readings on each of ``epcs`` that has any."""
        missing = epcs - self.readings.keys()
        for epc in missing:
            self.readings[epc] = []
        for epc, source, at, celsius, low, high in await repository.readings(session, missing):
            self.readings[epc].append(Reading(at, celsius, source, low, high))
        return {epc: self.readings[epc] for epc in sorted(epcs) if self.readings[epc]}


async def evaluate(session: AsyncSession, unit: Unit, shared: Shared | None = None) -> Evaluation:
    """Assess ``unit``'s chain (read only): its readings and its containers', against its
    storage range; with the investigation this evidence opened, if any."""
    shared = Shared() if shared is None else shared
    measured = await shared.measured(
        session, {unit.identifier} | await repository.containers(session, unit))
    storage = await storage_of(session, unit)
    key = (tuple(measured), storage)
    if key not in shared.assessed:
        legs = by_source(measured)
        assessment = assess_legs(legs.values(),
                                 storage or StorageRange(float("-inf"), float("inf")))
        shared.assessed[key] = (assessment, [r for leg in legs.values() for r in leg],
                                sorted(legs))
    found = Evaluation(unit, storage, *shared.assessed[key])
    if found.verdict != "excursion":
        return found
    opened = await repository.alerted(session, [unit.id], fingerprint(found))
    return replace(found, investigation_id=opened.get(unit.id))


async def arrived(session: AsyncSession, epcs: Iterable[str], actor: str,
                  operator: Operator | None, shared: Shared | None = None,
                  ) -> dict[str, Evaluation]:
    """New readings on ``epcs``: assess every unit they apply to (each of ``epcs`` and all
    ever inside it) and open one cold-chain investigation per excursion beyond the budget,
    quarantining what ``operator`` holds (decision 0029). Returns each unit's evaluation."""
    shared = Shared() if shared is None else shared
    units = await repository.units_within(session, list(epcs))
    found = {u.identifier: await evaluate(session, u, shared) for u in units}
    suspect: dict[str, list[Evaluation]] = {}
    for e in found.values():
        if e.verdict == "excursion" and e.investigation_id is None:
            suspect.setdefault(fingerprint(e), []).append(e)
    for key, group in suspect.items():
        opened = await _suspect(session, group, key, actor, operator)
        found.update((e.unit.identifier, replace(e, investigation_id=opened)) for e in group)
    return found


def by_source(measured: dict[str, list[Reading]]) -> dict[str, list[Reading]]:
    """The readings on some identifiers as legs: one per source, in time order (a source
    stored on several of the identifiers, as a sensor event on a case and its vials is,
    counts once)."""
    legs: dict[str, dict[Reading, None]] = {}
    for readings in measured.values():
        for reading in readings:
            legs.setdefault(reading.source, {})[reading] = None
    return {source: sorted(leg, key=attrgetter("time")) for source, leg in sorted(legs.items())}


def fingerprint(found: Evaluation) -> str:
    """What identifies one excursion evaluation: the legs and the excursions they show."""
    a = found.assessment
    return hashlib.sha256(json.dumps([found.sources, a.outside.total_seconds(), [
        (e.start.isoformat(), e.end.isoformat()) for e in a.excursions]]).encode()).hexdigest()


async def _suspect(session: AsyncSession, group: list[Evaluation], key: str, actor: str,
                   operator: Operator | None) -> int:
    """Open the investigation of ``group`` (units whose evidence is the same excursion) once:
    a concurrent arrival of the same evidence meets the unique alert and uses its
    investigation."""
    units = [e.unit for e in group]
    for _ in range(2):
        done = await repository.alerted(session, [u.id for u in units], key)
        new = [u for u in units if u.id not in done]
        if not new:
            return next(iter(done.values()))
        a, storage = group[0].assessment, group[0].storage
        assert storage is not None
        reason = (f"cold chain: {_minutes(a.outside)} min outside {storage.low:g}..{storage.high:g} "
                  f"°C over {a.legs} leg(s), beyond the {_minutes(storage.budget)} min budget; "
                  f"{len(a.excursions)} excursion(s) from {a.first:%Y-%m-%d %H:%M} UTC")
        savepoint = await session.begin_nested()
        try:
            view = await investigations.open_investigation(
                session, [u.identifier for u in new], reason, actor, trigger="cold-chain",
                operator=operator)
            await repository.add_alerts(session, [u.id for u in new], key, view.investigation.id)
        except IntegrityError:
            await savepoint.rollback()
            continue
        await savepoint.commit()
        return view.investigation.id
    raise RuntimeError("cold-chain alert: lost the race twice")


def _minutes(span: timedelta) -> str:
    return f"{span.total_seconds() / 60:g}"


def parse_upload(body: bytes, content_type: str | None, source: str) -> list[Reading]:
    """A logger file's readings (CSV, or JSON by content type or a leading ``[``), or
    :class:`ValidationFailed` naming the line and field."""
    if len(body) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(f"logger file exceeds {MAX_UPLOAD_BYTES} bytes",
                              expected=f"at most {MAX_UPLOAD_BYTES} bytes")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"logger file: expected UTF-8 text, got a byte {body[exc.start]:#x} "
                               f"at offset {exc.start}", field="file") from None
    as_json = "json" in (content_type or "") or text.lstrip().startswith("[")
    try:
        found = (from_json if as_json else from_csv)(text, source)
    except ReadingError as exc:
        raise ValidationFailed(f"logger file {exc}", field=exc.where, expected=exc.expected,
                               found=str(exc.found)) from None
    if not found:
        raise ValidationFailed("logger file: expected at least one reading, got none",
                               field="file")
    if len(found) > MAX_READINGS:
        raise PayloadTooLarge(f"logger file has {len(found)} readings; at most {MAX_READINGS}",
                              expected=f"at most {MAX_READINGS} readings")
    return found


async def upload(session: AsyncSession, identifier: str, body: bytes, content_type: str | None,
                 actor: str, partner: int | None, operator: Operator | None) -> Evaluation:
    """Store a logger file's readings on the unit ``identifier`` names (a partner: only one it
    holds now) and act on them (:func:`arrived`). The same file twice stores nothing new."""
    unit = await find_unit(session, identifier, partner)
    source = "upload:" + hashlib.sha256(body).hexdigest()[:32]
    with paused_gc():  # 100,000 readings are 300,000 objects, none of them cyclic
        found = await anyio.to_thread.run_sync(parse_upload, body, content_type, source)
        found.sort(key=attrgetter("time"))  # stored in time order: the (epc, at) index appends
        await repository.lock(session, unit)  # the same file uploaded concurrently waits here
        shared = Shared()
        if not await repository.has_source(session, unit.identifier, source):
            # What was there before, and the file as parsed: its rows are not read back.
            await shared.measured(session, {unit.identifier})
            shared.readings[unit.identifier] += found
            await repository.add_readings(session, rows([unit.identifier], found, source))
        found_all = await arrived(session, [unit.identifier], actor, operator, shared)
    return found_all[unit.identifier]


async def events_arrived(session: AsyncSession, event_hashes: Iterable[str], actor: str,
                         operator_gln: str | None) -> dict[str, Evaluation]:
    """Act on the readings captured events stored (:func:`app.coldchain.store.
    store_event_readings`): a capture job's step once its events are in."""
    epcs = await repository.measured_by(session, [source_of(h) for h in event_hashes])
    if not epcs:
        return {}
    return await arrived(session, epcs, actor, await operator_or_none(session, operator_gln))


async def range_set(session: AsyncSession, actor: str, operator: Operator | None) -> int:
    """A product's storage range was set or changed: the readings already held are acted on as
    if they had just arrived (an excursion under the new range opens its investigation now, not
    at the next upload). Returns how many units were assessed."""
    return len(await arrived(session, await repository.measured(session), actor, operator))


async def operator_or_none(session: AsyncSession, gln: str | None) -> Operator | None:
    """The operator, or None where none is configured (investigations then quarantine
    nothing)."""
    try:
        return await operator(session, gln)
    except OperatorNotConfigured:
        return None


async def lines(session: AsyncSession, identifiers: Sequence[str]) -> dict[str, str]:
    """Each unit's cold chain in words (read only)."""
    out: dict[str, str] = {}
    for identifier in identifiers:
        found = await evaluate(session, await find_unit(session, identifier))
        out[identifier] = words(found.assessment, found.storage, found.verdict)
    return out


async def measured_in_lot(session: AsyncSession, gtin: str, lot: str) -> set[str]:
    """The units of a lot whose cold chain has something to say (see the repository)."""
    return await repository.measured_in_lot(session, gtin, lot)


def chart(found: Evaluation) -> str:
    """The evaluation's temperature chart as SVG."""
    storage = found.storage or StorageRange(0, 0)
    return svg(found.readings, storage, found.assessment,
               f"Temperature of {found.unit.identifier} ({found.verdict})")


async def panel(session: AsyncSession, identifier: str) -> tuple[Evaluation, str] | None:
    """A staff page's view of a unit's cold chain (read only), with its chart; None when the
    unit has no readings."""
    found = await evaluate(session, await find_unit(session, identifier))
    return (found, chart(found)) if found.assessment.readings else None
