"""Values both EPCIS readers parse alike: timestamps, time-zone offsets, master-data ids."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from epcis import cbv
from epcis.errors import EpcisError

OFFSET = re.compile(r"[+-](?:0\d|1[0-4]):[0-5]\d\Z")
"""An ``eventTimeZoneOffset``: ``+HH:MM`` or ``-HH:MM``, at most 14 hours."""
COMMON_OFFSETS = frozenset(f"{s}{h:02d}:{m:02d}" for s in "+-" for h in range(15)
                           for m in (0, 15, 30, 45))
"""The offsets in use, for a set lookup before :data:`OFFSET`'s match."""


def parse_time(text: str | None, field: str, *, line: int | None = None,
               pointer: str | None = None, event_index: int | None = None,
               zoneless: bool = False) -> datetime:
    """Parse an EPCIS ``dateTime`` (ISO 8601 with a time zone) into an aware datetime.

    With ``zoneless`` a date-time without a zone is returned naive (an EPCIS 1.2 XML
    ``eventTime`` is an ``xsd:dateTime``, whose zone is optional: see :func:`local_time`).

    >>> parse_time("2020-03-04T11:00:30.000+01:00", "eventTime").isoformat()
    '2020-03-04T11:00:30+01:00'
    >>> parse_time("2020-03-04T11:00:30", "eventTime")
    Traceback (most recent call last):
    epcis.errors.EpcisError: bad timestamp [field eventTime]; expected an ISO 8601 date-time with a time zone offset or Z, got '2020-03-04T11:00:30'
    """
    value = (text or "").strip()
    try:
        if "T" not in value:
            raise ValueError(value)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or (parsed.tzinfo is None and not zoneless):
        raise EpcisError(
            "bad timestamp", field=field,
            expected="an ISO 8601 date-time with a time zone offset or Z",
            found=value, line=line, pointer=pointer, event_index=event_index,
        )
    return parsed


def local_time(naive: datetime, offset: str) -> datetime:
    """A zone-less ``eventTime`` read as local time in its event's ``eventTimeZoneOffset``.

    EPCIS defines ``eventTimeZoneOffset`` as the offset in effect where the event took
    place, so it is the only zone the sender can have meant.

    >>> local_time(datetime(2021, 2, 2, 4, 0, 11), "-05:00").isoformat()
    '2021-02-02T04:00:11-05:00'
    """
    return naive.replace(tzinfo=datetime.fromisoformat(f"2000-01-01T00:00:00{offset}").tzinfo)


def lenient_time(text: str | None, field: str, *, line: int | None = None,
                 pointer: str | None = None) -> datetime:
    """Like :func:`parse_time`, but a timestamp without offset is read as UTC.

    Used for document-level stamps (``creationDate``, SBDH ``CreationDateAndTime``) that
    some senders write without a zone; event times stay strict.

    >>> lenient_time("2018-02-27T21:52:16.416129", "creationDate").isoformat()
    '2018-02-27T21:52:16.416129+00:00'
    """
    value = (text or "").strip()
    try:
        parsed = datetime.fromisoformat(value) if "T" in value else None
    except ValueError:
        parsed = None
    if parsed is not None and parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parse_time(value, field, line=line, pointer=pointer)


def mda_id(raw: str) -> str:
    """Canonicalise a master-data attribute id to the EPCIS 1.2 XML form.

    >>> mda_id("cbvmda:lotNumber"), mda_id("urn:epcglobal:cbv:mda:lotNumber")
    ('urn:epcglobal:cbv:mda#lotNumber', 'urn:epcglobal:cbv:mda#lotNumber')
    >>> mda_id("http://example.com/ext1#string")
    'http://example.com/ext1#string'
    """
    text = raw.strip()
    if text.startswith("cbvmda:"):
        return f"{cbv.MDA}#{text[7:]}"
    if text.startswith(cbv.MDA_JSON) and "#" not in text:
        return f"{cbv.MDA}#{text[len(cbv.MDA_JSON):]}"
    return text
