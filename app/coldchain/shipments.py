"""The cold chain of a shipment, and of a named-patient case's shipped units: one chart of
their readings against the storage range, and each unit's own verdict beside it.

A shipment's readings are those measured on its SSCCs (and what holds them) and on its units;
a case's are those of its linked units' chains (:func:`app.coldchain.service.evaluate`: each
unit and every container it was ever in, so the operator's SSCC and the carrier's logger on
it are there). Read only: the verdicts that quarantine were acted on when the data came in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.cases import service as cases
from app.coldchain import repository
from app.coldchain.chart import svg, words
from app.coldchain.evaluate import Assessment, StorageRange, assess_legs
from app.coldchain.readings import Reading
from app.coldchain.service import Evaluation, Shared, by_source, evaluate, storage_of
from app.investigations.repository import contents, units_named
from app.models import Case, Unit
from app.shipments import service as shipments

ANY = StorageRange(float("-inf"), float("inf"))


@dataclass(frozen=True)
class Group:
    """What the readings of a shipment (or a case's units) say, and each unit's verdict."""

    title: str
    storage: StorageRange | None
    assessment: Assessment
    readings: list[Reading]
    sources: list[str]
    units: list[Evaluation]

    @property
    def verdict(self) -> str:
        """``no-data`` when nothing was measured, else as :attr:`Evaluation.verdict`."""
        if self.storage is None and self.assessment.readings:
            return "no-range"
        return self.assessment.verdict


async def _group(session: AsyncSession, title: str, units: list[Unit],
                 epcs: Iterable[str]) -> Group:
    shared = Shared()  # each identifier's readings read once for the chart and every verdict
    legs = by_source(await shared.measured(session, set(epcs)))
    storage = await storage_of(session, *units) if units else None
    readings = [r for leg in legs.values() for r in leg]
    verdicts = [await evaluate(session, u, shared) for u in units] if readings else []
    return Group(title, storage, assess_legs(legs.values(), storage or ANY), readings,
                 sorted(legs), verdicts)


async def of_shipment(session: AsyncSession, shipment_id: int) -> Group:
    """Shipment ``shipment_id``'s cold chain (:class:`NotFound` when there is none)."""
    view = await shipments.get_shipment(session, shipment_id)
    ssccs = [c.epc for c in view.cases]
    items = [u for c in view.cases for u in c.units]
    units = await units_named(session, items + ssccs)
    epcs = {*ssccs, *items}
    for unit in units:
        if unit.kind == "sscc":
            epcs |= await repository.containers(session, unit)
    return await _group(session, f"shipment {shipment_id}", [u for u in units if u.kind != "sscc"],
                        epcs)


async def of_case(session: AsyncSession, case: Case) -> Group:
    """The cold chain of the units linked to ``case`` (an SSCC linked stands for its contents)."""
    named = [i for link in await cases.links(session, case) for i in link.identifiers]
    linked = await units_named(session, named)
    units = [u for u in await contents(session, linked) if u.kind != "sscc"]
    epcs: set[str] = set()
    for unit in units:
        epcs |= {unit.identifier} | await repository.containers(session, unit)
    return await _group(session, f"case {case.ref}", units, epcs)


def chart(group: Group) -> str | None:
    """The group's chart as SVG; None when nothing was measured (say so, draw nothing)."""
    if not group.readings:
        return None
    return svg(group.readings, group.storage or StorageRange(0, 0), group.assessment,
               f"Temperature of {group.title} ({group.verdict})")


def summary(found: Group | Evaluation) -> str:
    """The chart in words (for screen readers, reports and the lot report's lines)."""
    return words(found.assessment, found.storage, found.verdict)
