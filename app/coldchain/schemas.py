"""Wire shapes for the cold chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.coldchain.service import Evaluation
from app.coldchain.shipments import Group, summary


class ExcursionOut(BaseModel):
    start: datetime
    end: datetime
    minutes: float
    lowest_c: float
    highest_c: float


class GapOut(BaseModel):
    start: datetime
    end: datetime


def _assessed(found: Evaluation | Group) -> dict[str, Any]:
    a, s = found.assessment, found.storage
    return dict(
        verdict=found.verdict, low_c=s.low if s else None, high_c=s.high if s else None,
        budget_minutes=s.budget.total_seconds() / 60 if s else None,
        minutes_outside=round(a.outside.total_seconds() / 60, 2) if s else 0.0,
        readings=a.readings, legs=a.legs, sources=found.sources, first=a.first, last=a.last,
        lowest_c=a.lowest, highest_c=a.highest, mkt_c=a.mkt,
        excursions=[ExcursionOut(start=e.start, end=e.end,
                                 minutes=round(e.duration.total_seconds() / 60, 2),
                                 lowest_c=e.lowest, highest_c=e.highest)
                    for e in (a.excursions if s else ())],
        gaps=[GapOut(start=g[0], end=g[1]) for g in a.gaps])


class Assessed(BaseModel):
    """Readings assessed: ``verdict`` is ``ok``, ``excursion-within-budget``, ``excursion``
    (suspect until QA clears it), ``no-data`` or ``no-range`` (the product has none set)."""

    verdict: str
    low_c: float | None
    high_c: float | None
    budget_minutes: float | None
    minutes_outside: float
    readings: int
    legs: int
    sources: list[str]
    first: datetime | None
    last: datetime | None
    lowest_c: float | None
    highest_c: float | None
    mkt_c: float | None
    """Mean kinetic temperature (USP <1160>): advisory only."""
    excursions: list[ExcursionOut]
    gaps: list[GapOut]


class AssessmentOut(Assessed):
    """A unit's cold chain: its readings and its containers'."""

    unit: str
    investigation: int | None
    chart: str

    @classmethod
    def of(cls, found: Evaluation, chart: str) -> AssessmentOut:
        return cls(unit=found.unit.identifier, investigation=found.investigation_id, chart=chart,
                   **_assessed(found))


class UnitVerdictOut(BaseModel):
    unit: str
    verdict: str
    minutes_outside: float
    investigation: int | None


class ShipmentColdChainOut(Assessed):
    """A shipment's cold chain: the readings on its SSCCs and units as one chart, in words in
    ``summary``, and each unit's own verdict (its whole chain, against one budget)."""

    shipment: int
    summary: str
    units: list[UnitVerdictOut]
    chart: str | None
    """The SVG's URL; null when there are no readings to draw."""

    @classmethod
    def of(cls, shipment_id: int, found: Group, chart: str | None) -> ShipmentColdChainOut:
        return cls(shipment=shipment_id, summary=summary(found), chart=chart, units=[
            UnitVerdictOut(unit=u.unit.identifier, verdict=u.verdict,
                           minutes_outside=round(u.assessment.outside.total_seconds() / 60, 2),
                           investigation=u.investigation_id) for u in found.units],
            **_assessed(found))
