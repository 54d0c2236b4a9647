"""Temperature readings, from EPCIS 2.0 sensor reports and from carriers' logger files.

Every reading is in degrees Celsius. Sensor reports of type ``gs1:Temperature`` (and the
older ``gs1:MT-Temperature``) are read; other report types are ignored. A report with a
``value`` (or only a ``meanValue``) is a reading at its time. A report with ``minValue`` /
``maxValue`` over a metadata ``startTime``..``endTime`` is a reading spanning the interval
whose extremes are those values: if either left the range, the whole interval counts as out
of range (we do not know when inside it the extreme happened). A temperature report with no
number (only metadata, a ``stringValue``, an alarm alone) is not a reading.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from math import isfinite
from typing import Any, NamedTuple

from epcis.cbv import GS1_VOC
from epcis.errors import EpcisError
from epcis.model import Event
from epcis.values import parse_time

TEMPERATURE = frozenset({GS1_VOC + "Temperature", GS1_VOC + "MT-Temperature"})
NAN = float("nan")
UNITS = {"CEL": lambda v: v, "FAH": lambda v: (v - 32) * 5 / 9, "KEL": lambda v: v - 273.15}
"""UN/CEFACT unit codes for temperature, each to Celsius."""


class ReadingError(ValueError):
    """A reading that cannot be used, naming where it is and what was expected."""

    def __init__(self, where: str, expected: str, found: object) -> None:
        super().__init__(f"{where}: expected {expected}, got {found!r}")
        self.where, self.expected, self.found = where, expected, found


class Reading(NamedTuple):
    """A temperature from ``time`` until the next reading, in degrees Celsius.

    ``low``/``high`` are the extremes over that time when the source gave them (a logger's
    interval summary); for a single value they are the value itself. A named tuple: a logger
    file makes 100,000 of them.
    """

    time: datetime
    celsius: float
    source: str = ""
    low: float | None = None
    high: float | None = None


def celsius(value: str | float, uom: str | None, where: str) -> float:
    """``value`` in ``uom`` (default Celsius) as degrees Celsius.

    >>> celsius("46.4", "FAH", "x"), celsius(8, None, "x")
    (8.0, 8.0)
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ReadingError(where, "a number", value) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ReadingError(where, "a finite number", value)
    convert = UNITS.get((uom or "CEL").upper())
    if convert is None:
        raise ReadingError(f"{where}.uom", "CEL, FAH or KEL", uom)
    return round(convert(number), 6)


def from_event(event: Event, source: str = "") -> list[Reading]:
    """The temperature readings an event's ``sensorElementList`` carries."""
    out: list[Reading] = []
    for i, element in enumerate(event.sensor_elements):
        meta = dict(element.metadata.fields) if element.metadata else {}
        for j, report in enumerate(element.reports):
            fields = dict(report.fields)
            if fields.get("type") not in TEMPERATURE:
                continue
            where = f"sensorElementList[{i}].sensorReport[{j}]"
            out += _report_readings(fields, meta, event.event_time, where, source or where)
    return out


def _report_readings(fields: dict[str, str], meta: dict[str, str], default: datetime,
                     where: str, source: str) -> list[Reading]:
    uom = fields.get("uom")
    at = _time(fields.get("time") or meta.get("time"), default, f"{where}.time")
    if "value" in fields:
        return [Reading(at, celsius(fields["value"], uom, f"{where}.value"), source)]
    low, high = fields.get("minValue"), fields.get("maxValue")
    if low is None and high is None:
        if "meanValue" in fields:
            return [Reading(at, celsius(fields["meanValue"], uom, f"{where}.meanValue"), source)]
        return []  # no number: a device's metadata, a string or boolean value, an alarm alone
    start = _time(meta.get("startTime"), at, f"{where}.startTime")
    end = _time(meta.get("endTime"), at, f"{where}.endTime")
    lo = celsius(low or high or "", uom, f"{where}.minValue")  # one bound stands for both
    hi = celsius(high or low or "", uom, f"{where}.maxValue")
    mean = fields.get("meanValue")
    middle = celsius(mean, uom, f"{where}.meanValue") if mean is not None else (lo + hi) / 2
    spans = [Reading(start, middle, source, lo, hi)]
    return spans + ([Reading(end, middle, source, lo, hi)] if end > start else [])


def _time(text: str | None, default: datetime, where: str) -> datetime:
    if not text:
        return default
    try:
        return parse_time(text, where)
    except EpcisError:
        raise ReadingError(where, "an ISO 8601 time with a zone", text) from None


def from_csv(text: str, source: str = "logger") -> list[Reading]:
    """A logger's CSV export: a header naming ``time`` and ``temperature`` (or ``value``),
    an optional ``uom`` column (default Celsius). Blank lines are skipped.

    >>> from_csv("time,temperature\\n2026-01-01T00:00:00Z,5.1\\n")[0].celsius
    5.1
    """
    lines = csv.reader(io.StringIO(text))
    header = next(lines, [])
    names = {n.strip().lower(): i for i, n in enumerate(header)}
    value = names.get("temperature", names.get("value"))
    if "time" not in names or value is None:
        raise ReadingError("line 1", "a header with time and temperature columns", header)
    time, uom, width = names["time"], names.get("uom"), len(header)
    out: list[Reading] = []
    for row in lines:
        if len(row) < width:  # a blank line is skipped; a short row lacks fields
            if not row:
                continue
            row += [None] * (width - len(row))  # type: ignore[list-item]
        unit = None if uom is None else row[uom]
        out.append(_fast(row[time], row[value], unit, source)
                   or _reading(row[time], row[value], unit, f"line {lines.line_num}", source))
    return out


def from_json(text: str, source: str = "logger") -> list[Reading]:
    """A logger's JSON export: a list of ``{"time", "value", "uom"?}`` objects.

    >>> from_json('[{"time": "2026-01-01T00:00:00Z", "value": 41, "uom": "FAH"}]')[0].celsius
    5.0
    """
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReadingError(f"line {exc.lineno} column {exc.colno}", "JSON", exc.msg) from None
    if not isinstance(items, list):
        raise ReadingError("$", "a list of readings", type(items).__name__)
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ReadingError(f"$[{i}]", "an object with time and value", item)
        fields = item.get("time"), item.get("value"), item.get("uom")
        out.append(_fast(*fields, source) or _reading(*fields, f"$[{i}]", source))
    return out


def _fast(time: Any, value: Any, uom: Any, source: str) -> Reading | None:
    """The common row (a zoned ISO time, a finite number of degrees Celsius) at a fraction of
    :func:`_reading`'s cost; None for anything else, which :func:`_reading` reads or refuses
    naming the line and field."""
    try:
        at = datetime.fromisoformat(time)
        number = float(value) if type(value) in (str, float, int) else NAN
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None or "T" not in time or uom not in (None, "", "CEL") or not isfinite(number):
        return None
    return Reading(at, round(number, 6), source)


def _reading(time: object, value: object, uom: object, where: str, source: str) -> Reading:
    if not isinstance(time, str) or not time.strip():
        raise ReadingError(f"{where}.time", "an ISO 8601 time with a zone", time)
    if uom is not None and not isinstance(uom, str):
        raise ReadingError(f"{where}.uom", "CEL, FAH or KEL", uom)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ReadingError(f"{where}.value", "a number", value)
    return Reading(_time(time.strip(), datetime.min.replace(tzinfo=UTC), f"{where}.time"),
                   celsius(value, uom, f"{where}.value"), source)
