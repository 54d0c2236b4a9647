"""Large logger files: the fast path reads what the careful one read, errors still name the line
and column, and a 100,000-reading file is stored in bulk with every value intact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import sqlite

from app.bulk import _sqlite_utc
from app.coldchain import repository, service
from app.coldchain.readings import ReadingError, _reading, from_csv, from_json
from app.coldchain.store import rows
from app.models import TemperatureReading
from app.models.base import UTCDateTime

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
EST = timezone(timedelta(hours=-5))


def test_the_fast_path_reads_every_row_as_the_careful_one_does():
    lines = ["2026-12-01T08:00:00Z,4.5,", "2026-12-01T03:10:00-05:00, 5.25 ,CEL",
             " 2026-12-01T08:20:00Z ,41,FAH", "2026-12-01T08:30:00.5+00:00,1e1,cel",
             "2026-12-01T08:40:00Z,7.1234567,", "2026-12-01T08:50:00Z,280,KEL"]
    text = "time,temperature,uom\n" + "\n\n".join(lines) + "\n"  # blank lines are skipped
    careful = [_reading(*line.split(","), f"line {n}", "logger")
               for n, line in enumerate(lines, start=2)]
    assert from_csv(text) == careful
    assert [r.celsius for r in careful] == [4.5, 5.25, 5.0, 10.0, 7.123457, 6.85]
    items = '[{"time": "2026-12-01T08:00:00Z", "value": 4}, {"time": "2026-12-01T08:10:00Z",' \
            ' "value": "5.5", "uom": "CEL"}, {"time": "2026-12-01T08:20:00Z", "value": 41,' \
            ' "uom": "FAH"}]'
    assert [r.celsius for r in from_json(items)] == [4.0, 5.5, 5.0]


@pytest.mark.parametrize(("row", "where", "expected"), [
    ("2026-12-01T09:00:00Z,warm", "line 5.value", "a number"),
    ("2026-12-01T09:00:00Z,inf", "line 5.value", "a finite number"),
    ("2026-12-01T09:00:00,5", "line 5.time", "an ISO 8601 time with a zone"),
    ("2026-12-01 09:00:00Z,5", "line 5.time", "an ISO 8601 time with a zone"),
    ("2026-12-01T09:00:00Z", "line 5.value", "a number"),
    (",5", "line 5.time", "an ISO 8601 time with a zone"),
])
def test_a_bad_row_among_good_ones_is_named_by_its_line_and_column(row, where, expected):
    good = "".join(f"{(T0 + timedelta(minutes=i)).isoformat()},5\n" for i in range(2))
    with pytest.raises(ReadingError) as caught:
        from_csv("time,temperature\n" + good + "\n" + row + "\n" + good)
    assert (caught.value.where, caught.value.expected) == (where, expected)
    assert str(caught.value).startswith(f"{where}: expected {expected}, got ")


def test_sqlite_timestamps_are_stored_as_sqlalchemy_stores_them():
    dialect = sqlite.dialect()
    convert = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    for value in (T0, T0.replace(microsecond=7), datetime(2026, 3, 8, 1, 59, 59, tzinfo=EST),
                  datetime(1, 1, 1, tzinfo=UTC)):
        assert _sqlite_utc(value) == convert(value)
    with pytest.raises(ValueError, match="naive"):
        _sqlite_utc(datetime(2026, 12, 1))


async def test_a_100k_reading_file_is_stored_in_bulk_with_every_value_intact(session):
    n = 100_000
    text = "time,temperature\n" + "".join(
        f"{(T0 + timedelta(minutes=i)).astimezone(EST).isoformat()},{(i % 90) / 10}\n"
        for i in range(n))
    found = service.parse_upload(text.encode(), "text/csv", "upload:bulk")
    await repository.add_readings(session, rows(["urn:epc:id:sscc:0312345.0000000042"], found,
                                                "upload:bulk"))
    r = TemperatureReading
    count, first, last, total = (await session.execute(select(
        func.count(), func.min(r.at), func.max(r.at), func.sum(r.celsius)).where(
        r.source == "upload:bulk"))).one()
    assert (count, first, last) == (n, T0, T0 + timedelta(minutes=n - 1))
    assert total == pytest.approx(sum((i % 90) / 10 for i in range(n)))
    stored = await repository.readings(session, ["urn:epc:id:sscc:0312345.0000000042"])
    assert stored[1].at == T0 + timedelta(minutes=1) and stored[1].at.tzinfo is not None
    assert stored[-1].at == T0 + timedelta(minutes=n - 1)
    assert (stored[7].celsius, stored[7].low, stored[7].high) == (0.7, None, None)
