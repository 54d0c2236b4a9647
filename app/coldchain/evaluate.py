"""Excursions of temperature readings against a product's storage range and budget.

A reading holds until the next one (a logger samples at intervals), so each interval
between two readings counts as in or out of range by its first reading. An interval
longer than ``max_gap`` is a *gap*: nothing is known inside it, and it is reported as such
rather than counted either way. The excursion budget is the product's allowed time out of
range, shared across every leg of the unit's distribution: :func:`assess_legs` sums it.

Mean kinetic temperature (USP <1160>) is advisory: ``T_k = (ΔH/R) / -ln(Σ w_i exp(-ΔH/(R T_i)))``
with ``ΔH/R = 10,000 K`` and each reading weighted by the time it holds (equal weights for
equal intervals, which is USP's formula).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import attrgetter

from app.coldchain.readings import Reading

ACTIVATION = 10_000.0
"""ΔH/R in kelvin: ΔH = 83.144 kJ/mol over R = 8.3144 J/(mol·K)."""
KELVIN = 273.15


@dataclass(frozen=True)
class StorageRange:
    """A product's labelled storage: ``low``..``high`` °C, ``budget`` allowed outside."""

    low: float
    high: float
    budget: timedelta = timedelta(0)


@dataclass(frozen=True)
class Excursion:
    """A run of readings outside the range: when, how long, how far."""

    start: datetime
    end: datetime
    lowest: float
    highest: float

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Assessment:
    """What a leg's (or a chain's) readings say about the product."""

    readings: int
    first: datetime | None
    last: datetime | None
    outside: timedelta
    budget: timedelta
    excursions: tuple[Excursion, ...] = ()
    gaps: tuple[tuple[datetime, datetime], ...] = ()
    mkt: float | None = None
    lowest: float | None = None
    highest: float | None = None
    legs: int = 1
    kinetic: tuple[float, float] = field(default=(0.0, 0.0), repr=False)
    """The time-weighted Arrhenius sum and its weight in seconds, for combining legs."""

    @property
    def within_budget(self) -> bool:
        return self.outside <= self.budget

    @property
    def verdict(self) -> str:
        """``ok``, ``excursion-within-budget``, ``excursion`` (unfit until QA clears it)
        or ``no-data``."""
        if not self.readings:
            return "no-data"
        if not self.excursions:
            return "ok"
        return "excursion-within-budget" if self.within_budget else "excursion"


def assess(readings: Iterable[Reading], storage: StorageRange,
           max_gap: timedelta = timedelta(hours=1)) -> Assessment:
    """Assess one leg's readings (any order) against ``storage``."""
    ordered = chronological(readings)
    if not ordered:
        return Assessment(0, None, None, timedelta(0), storage.budget)
    stamps = [r.time.timestamp() for r in ordered]
    stamps.append(stamps[-1])  # the last reading holds for no time
    lows = [r.celsius if r.low is None else r.low for r in ordered]
    highs = [r.celsius if r.high is None else r.high for r in ordered]
    longest = max_gap.total_seconds()
    excursions: list[Excursion] = []
    gaps: list[tuple[datetime, datetime]] = []
    outside = weights = arrhenius = 0.0
    start = None  # index of the current excursion's first reading
    for i, reading in enumerate(ordered):
        span = stamps[i + 1] - stamps[i]
        gap = span > longest
        if gap:
            gaps.append((reading.time, ordered[i + 1].time))
            span = 0.0
        weight = span or (1.0 if i == len(ordered) - 1 else 0.0)
        weights += weight
        arrhenius += weight * math.exp(-ACTIVATION / (reading.celsius + KELVIN))
        if storage.low <= lows[i] and highs[i] <= storage.high:
            if start is not None:
                excursions.append(_excursion(ordered, lows, highs, start, i, reading.time))
                start = None
            continue
        start = i if start is None else start
        outside += span
        if gap:  # nothing is known past here: the excursion's evidence ends
            excursions.append(_excursion(ordered, lows, highs, start, i + 1, reading.time))
            start = None
    if start is not None:
        excursions.append(_excursion(ordered, lows, highs, start, len(ordered),
                                     ordered[-1].time))
    return Assessment(len(ordered), ordered[0].time, ordered[-1].time,
                      timedelta(seconds=outside), storage.budget, tuple(excursions), tuple(gaps),
                      _mkt(arrhenius, weights), min(lows), max(highs),
                      kinetic=(arrhenius, weights))


def _excursion(ordered: Sequence[Reading], lows: list[float], highs: list[float], first: int,
               stop: int, end: datetime) -> Excursion:
    return Excursion(ordered[first].time, end, min(lows[first:stop]), max(highs[first:stop]))


def chronological(readings: Iterable[Reading]) -> list[Reading]:
    """``readings`` in time order (equal times keep their given order)."""
    return sorted(readings, key=attrgetter("time"))


def _mkt(arrhenius: float, weights: float) -> float | None:
    if not weights or not arrhenius:
        return None
    return round(ACTIVATION / -math.log(arrhenius / weights) - KELVIN, 2)


def assess_legs(legs: Iterable[Iterable[Reading]], storage: StorageRange,
                max_gap: timedelta = timedelta(hours=1)) -> Assessment:
    """Assess every leg of a unit's chain: time outside sums across legs against one budget."""
    parts = [assess(leg, storage, max_gap) for leg in legs]
    parts = [p for p in parts if p.readings]
    if not parts:
        return Assessment(0, None, None, timedelta(0), storage.budget, legs=0)
    arrhenius, weights = (sum(p.kinetic[i] for p in parts) for i in (0, 1))
    return Assessment(
        sum(p.readings for p in parts), min(p.first for p in parts if p.first),
        max(p.last for p in parts if p.last), sum((p.outside for p in parts), timedelta(0)),
        storage.budget, tuple(e for p in parts for e in p.excursions),
        tuple(g for p in parts for g in p.gaps), _mkt(arrhenius, weights),
        min(p.lowest for p in parts if p.lowest is not None),
        max(p.highest for p in parts if p.highest is not None), legs=len(parts),
        kinetic=(arrhenius, weights),
    )
