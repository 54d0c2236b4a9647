"""PURE: US federal business days, and the one-business-day deadline of a trace request.

The rule (documented in ``docs/trace-requests.md``): a request is due at the end of the next
business day after the day it was received, in US Eastern time (FDA's headquarters;
``America/New_York``). A business day is Monday to Friday and not a US federal holiday
(5 U.S.C. 6103): New Year's Day, Martin Luther King Jr. Day, Washington's Birthday, Memorial
Day, Juneteenth, Independence Day, Labor Day, Columbus Day, Veterans Day, Thanksgiving and
Christmas; a holiday on a Saturday is observed the Friday before, on a Sunday the Monday after.
A request received on a Friday afternoon is due on Monday at 23:59:59.999999 Eastern; one
received on a Saturday is also due Monday (the next business day after that day).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")


def _nth(year: int, month: int, weekday: int, n: int) -> date:
    """The ``n``-th ``weekday`` (Monday 0) of the month; ``n = -1`` the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


@cache
def federal_holidays(year: int) -> frozenset[date]:
    """The days US federal offices are closed for a holiday in ``year`` (observed dates).

    >>> sorted(d.isoformat() for d in federal_holidays(2026))  # doctest: +NORMALIZE_WHITESPACE
    ['2026-01-01', '2026-01-19', '2026-02-16', '2026-05-25', '2026-06-19', '2026-07-03',
     '2026-09-07', '2026-10-12', '2026-11-11', '2026-11-26', '2026-12-25']
    >>> date(2021, 12, 31) in federal_holidays(2021)  # New Year's Day 2022 fell on a Saturday
    True
    """
    fixed = [(1, 1), (6, 19), (7, 4), (11, 11), (12, 25)]
    days = {_observed(date(year, m, d)) for m, d in fixed}
    days |= {_nth(year, 1, 0, 3), _nth(year, 2, 0, 3), _nth(year, 5, 0, -1),
             _nth(year, 9, 0, 1), _nth(year, 10, 0, 2), _nth(year, 11, 3, 4)}
    if _observed(date(year + 1, 1, 1)).year == year:  # next New Year's observed on Dec 31
        days.add(date(year, 12, 31))
    return frozenset(days)


def is_business_day(day: date) -> bool:
    """Monday to Friday and not a federal holiday.

    >>> is_business_day(date(2026, 12, 25)), is_business_day(date(2026, 12, 28))
    (False, True)
    """
    return day.weekday() < 5 and day not in federal_holidays(day.year)


def next_business_day(day: date) -> date:
    """The first business day after ``day``.

    >>> next_business_day(date(2026, 12, 24))  # Christmas on Friday: due Monday
    datetime.date(2026, 12, 28)
    >>> next_business_day(date(2026, 11, 25))  # Thanksgiving Thursday
    datetime.date(2026, 11, 27)
    """
    day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def due(received: datetime) -> datetime:
    """When a request received at ``received`` (aware) must be answered, in UTC.

    >>> due(datetime(2026, 12, 4, 21, 30, tzinfo=UTC))  # Friday 16:30 Eastern
    datetime.datetime(2026, 12, 8, 4, 59, 59, 999000, tzinfo=datetime.timezone.utc)
    >>> due(datetime(2026, 12, 8, 3, 0, tzinfo=UTC))  # still Monday evening in New York
    datetime.datetime(2026, 12, 9, 4, 59, 59, 999000, tzinfo=datetime.timezone.utc)
    """
    local_day = received.astimezone(EASTERN).date()
    end = datetime.combine(next_business_day(local_day), time(23, 59, 59, 999000), EASTERN)
    return end.astimezone(UTC)


def is_overdue(due_at: datetime, answered_at: datetime | None, now: datetime) -> bool:
    """Unanswered past its deadline, or answered late.

    >>> t = datetime(2026, 12, 8, tzinfo=UTC)
    >>> is_overdue(t, None, t + timedelta(seconds=1)), is_overdue(t, t, t + timedelta(days=9))
    (True, False)
    """
    return (answered_at or now) > due_at
