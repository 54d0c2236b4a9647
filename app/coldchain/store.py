"""Readings of captured EPCIS events, stored as ingest stores the events (kept apart from
:mod:`app.coldchain.service` so ingest imports nothing that imports ingest)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from app.coldchain import repository
from app.coldchain.readings import Reading, ReadingError, from_event
from epcis.model import Event


def rows(epcs: Iterable[str], readings: Iterable[Reading], source: str) -> list[tuple]:
    """Reading rows (in :data:`repository.COLUMNS` order) for each of ``epcs``."""
    readings = list(readings)
    return [(epc, r.time, r.celsius, r.low, r.high, source)
            for epc in dict.fromkeys(epcs) for r in readings]


def source_of(event_hash: str) -> str:
    """The ``source`` of readings a captured event carried."""
    return f"event:{event_hash}"[:120]


def measured(event: Event) -> tuple[str, ...]:
    """What an event's sensor reports were measured on: its parent (the container) when it
    names one, else its EPCs (and a transformation's outputs)."""
    return (event.parent_id,) if event.parent_id else event.epc_list + event.output_epc_list


async def store_event_readings(session: AsyncSession, events: Iterable[tuple[str, Event]],
                               holds: Callable[[str], bool] = lambda _: True) -> int:
    """Store the temperature readings of ``(event hash, event)`` pairs on the identifiers the
    submitter ``holds``; returns how many rows.

    A sensor report that cannot be read is skipped, not refused: the event is custody
    evidence whatever its logger said (``custody coldchain assess`` names the problem)."""
    out: list[tuple] = []
    for event_hash, event in events:
        if not event.sensor_elements:
            continue
        source = source_of(event_hash)
        try:
            found = from_event(event, source)
        except ReadingError:
            continue
        out += rows([epc for epc in measured(event) if holds(epc)], found, source)
    await repository.add_readings(session, out)
    return len(out)
