"""Values the readers refuse although the syntax allows them: what no store could keep or serve back.

A well-formed document can still carry a quantity of ``NaN`` or of 5,000 digits, an empty or
a 300-character EPC, an ``eventTime`` in year 1 (which no UTC conversion survives), a NUL
in a lot number, the same JSON key twice or JSON nested 100,000 levels deep. The readers
refuse each as an :class:`~epcis.errors.EpcisError` naming the event, the field and the
value: both call :func:`flaw` on every event they build, and the JSON reader decodes with
:func:`loads`. The bounds are constants, so a service can size its columns to them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from epcis.errors import EpcisError, HostileDocumentError
from epcis.model import Event, Location, QuantityElement

MAX_IDENTIFIER = 200
"""Most characters in an EPC, parentID, bizStep, disposition, readPoint or bizLocation, and in
a business transaction, source or destination and their types."""
MAX_DIGITS = 15
"""Most significant digits in a quantity, and its largest decimal exponent: what an IEEE
double, the JSON number a quantity is served back as, carries exactly."""
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
"""Event, record and declaration times lie in ``[EARLIEST, LATEST)``: far from the ends of
the calendar, where converting an offset to UTC overflows."""
SENSOR_NUMBERS = frozenset(
    ["value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"])
"""Sensor report fields that are ``xsd:double``: finite, within a double's range."""

_EPC_LISTS = (("epc_list", "epcList"), ("child_epcs", "childEPCs"),
              ("input_epc_list", "inputEPCList"), ("output_epc_list", "outputEPCList"))
_QUANTITY_LISTS = (("quantity_list", "quantityList"), ("child_quantity_list", "childQuantityList"),
                   ("input_quantity_list", "inputQuantityList"),
                   ("output_quantity_list", "outputQuantityList"))
_WORDS = (("biz_step", "bizStep"), ("disposition", "disposition"), ("parent_id", "parentID"))
_LOCATIONS = (("read_point", "readPoint"), ("biz_location", "bizLocation"))
_REFERENCES = (("biz_transactions", "bizTransactionList", "bizTransaction"),
               ("sources", "sourceList", "source"),
               ("destinations", "destinationList", "destination"))
_ABSENT = "-"  # stands for a field the event lacks among the identifiers checked together
_SAFE_YEARS = (EARLIEST.year, LATEST.year - 1)  # strictly inside: no offset reaches a bound
_TIME_RANGE = f"a time from {EARLIEST:%Y-%m-%d} to {LATEST.year - 1}-12-31 (UTC)"
_IDENTIFIER = f"an identifier of 1 to {MAX_IDENTIFIER} characters"
_QUANTITY = (f"a finite decimal of at most {MAX_DIGITS} significant digits, "
             f"below 10^{MAX_DIGITS}")


@dataclass(frozen=True)
class Flaw:
    """What is wrong in one event, and where: ``path`` walks the event as JSON does.

    ``path`` is like ``("epcList", 3)`` or ``("quantityList", 0, "quantity")``; the JSON
    reader turns it into a pointer, the XML reader into the line of that element.
    """

    path: tuple[str | int, ...]
    message: str
    expected: str
    found: str

    @property
    def field(self) -> str:
        """The EPCIS field, e.g. ``quantityList/quantity``."""
        return "/".join(p for p in self.path if isinstance(p, str))

    def error(self, **where: Any) -> EpcisError:
        """The error to raise, located by ``where`` (``line``, ``pointer``, ``event_index``)."""
        return EpcisError(self.message, field=self.field, expected=self.expected,
                          found=self.found, **where)


def flaw(event: Event) -> Flaw | None:
    """The first value of ``event`` outside the bounds, or None.

    >>> from epcis.model import EventType
    >>> ok = Event(EventType.OBJECT, datetime(2024, 1, 1, tzinfo=UTC), "+00:00", epc_list=("urn:a",))
    >>> flaw(ok) is None
    True
    >>> flaw(Event(EventType.OBJECT, ok.event_time, "+00:00", epc_list=("urn:a", "")))
    Flaw(path=('epcList', 1), message='empty identifier', expected='an identifier of 1 to 200 characters', found='')
    """
    # Every event is checked: the common case is a few C-level passes, no Python loop.
    if not _SAFE_YEARS[0] < event.event_time.year < _SAFE_YEARS[1] or event.record_time \
            or event.error_declaration:
        bad = _time_flaw(event)
        if bad is not None:
            return bad
    step, disposition, parent = event.biz_step, event.disposition, event.parent_id
    read_point, biz_location = event.read_point, event.biz_location
    texts = event.epc_list + event.child_epcs + event.input_epc_list + event.output_epc_list + (
        _ABSENT if step is None else step, _ABSENT if disposition is None else disposition,
        _ABSENT if parent is None else parent, read_point.id if read_point else _ABSENT,
        biz_location.id if biz_location else _ABSENT)
    if not all(texts) or max(map(len, texts)) > MAX_IDENTIFIER:
        return _identifier_flaw(event)
    if event.biz_transactions or event.sources or event.destinations:
        bad = _reference_flaw(event)
        if bad is not None:
            return bad
    if event.quantity_list or event.child_quantity_list or event.input_quantity_list \
            or event.output_quantity_list:
        bad = _quantity_flaw(event)
        if bad is not None:
            return bad
    return _sensor_flaw(event) if event.sensor_elements else None


def _identifier_flaw(event: Event) -> Flaw | None:
    for attr, name in _EPC_LISTS:
        for index, value in enumerate(getattr(event, attr)):
            if not 0 < len(value) <= MAX_IDENTIFIER:
                return _identifier((name, index), value)
    for attr, name in _WORDS:
        value = getattr(event, attr)
        if value is not None and not 0 < len(value) <= MAX_IDENTIFIER:
            return _identifier((name,), value)
    for attr, name in _LOCATIONS:
        loc: Location | None = getattr(event, attr)
        if loc is not None and not 0 < len(loc.id) <= MAX_IDENTIFIER:
            return _identifier((name, "id"), loc.id)
    return None


def _reference_flaw(event: Event) -> Flaw | None:
    for attr, name, key in _REFERENCES:
        for index, ref in enumerate(getattr(event, attr)):
            if not 0 < len(ref.value) <= MAX_IDENTIFIER:
                return _identifier((name, index, key), ref.value)
            if ref.type is not None and not 0 < len(ref.type) <= MAX_IDENTIFIER:
                return _identifier((name, index, "type"), ref.type)
    return None


def _quantity_flaw(event: Event) -> Flaw | None:
    for attr, name in _QUANTITY_LISTS:
        items: tuple[QuantityElement, ...] = getattr(event, attr)
        for i, q in enumerate(items):
            if q.quantity is not None and not _exact(q.quantity):
                return Flaw((name, i, "quantity"), "quantity out of range", _QUANTITY,
                            _shown(str(q.quantity)))
    return None


def _time_flaw(event: Event) -> Flaw | None:
    times: list[tuple[tuple[str, ...], datetime]] = [(("eventTime",), event.event_time)]
    if event.record_time is not None:
        times.append((("recordTime",), event.record_time))
    if event.error_declaration is not None:
        times.append((("errorDeclaration", "declarationTime"),
                      event.error_declaration.declaration_time))
    for path, when in times:
        if not EARLIEST <= when < LATEST:
            return Flaw(path, "time out of range", _TIME_RANGE, when.isoformat())
    return None


def _identifier(path: tuple[str | int, ...], value: str) -> Flaw:
    message = "empty identifier" if not value else "identifier too long"
    return Flaw(path, message, _IDENTIFIER, _shown(value))


def _shown(value: str) -> str:
    """``value``, or its first 60 characters and its length."""
    return value if len(value) <= 60 else f"{value[:60]}... ({len(value)} characters)"


def _exact(q: Decimal) -> bool:
    """A finite decimal an IEEE double carries exactly (see :data:`MAX_DIGITS`)."""
    return q.is_finite() and len(q.as_tuple().digits) <= MAX_DIGITS and q.adjusted() < MAX_DIGITS


def _sensor_flaw(event: Event) -> Flaw | None:
    for i, se in enumerate(event.sensor_elements):
        reports = [("sensorMetadata", se.metadata)] if se.metadata else []
        reports += [("sensorReport", r) for r in se.reports]
        for j, (kind, report) in enumerate(reports):
            for name, value in report.fields:
                if name in SENSOR_NUMBERS and not _double(value):
                    at: tuple[str | int, ...] = (kind,) if kind == "sensorMetadata" else (
                        kind, j - (se.metadata is not None))
                    return Flaw(("sensorElementList", i, *at, name), "sensor value out of range",
                                "a finite number within the range of a double", _shown(value))
    return None


def _double(text: str) -> bool:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return False
    return value.is_finite() and abs(value) < Decimal("1.7976931348623157e308")


# -- JSON ----------------------------------------------------------------------------------
# What XML 1.0 cannot carry (a document is served back as XML too) and PostgreSQL text cannot
# hold (NUL): C0 controls but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF. In JSON
# bytes they appear only as escapes (\b and \f too), or U+FFFE/U+FFFF written raw.
_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BAD_CHAR_BYTES = re.compile(
    rb"\\(?:[bf]|u(?:00[01][0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF]))"
    rb"|\xef\xbf[\xbe\xbf]")
_EVENT = re.compile(r"/epcisBody/(?:queryResults/resultsBody/eventList|eventList|event)/(\d+)")
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}:,]')
_MAX_INT = 4300  # Python's limit on the digits of an int read from text


def loads(data: bytes, max_depth: int) -> Any:
    """Decode JSON strictly: each key once, text XML can carry, nesting within ``max_depth``.

    Numbers stay exact where floats cannot: an integer of more than 4,300 digits or a
    float that overflows (``1e999``) is decoded as a :class:`~decimal.Decimal`, which
    :func:`flaw` then names. ``NaN`` and ``Infinity`` decode as floats, as Python reads them.

    >>> loads(b'{"a": 1, "b": [2]}', 64)
    {'a': 1, 'b': [2]}
    >>> loads(b'{"epcisBody": {"eventList": [{"bizStep": "a", "bizStep": "b"}]}}', 64)
    Traceback (most recent call last):
    epcis.errors.EpcisError: event 0, at /epcisBody/eventList/0/bizStep: duplicate key in a JSON object [field bizStep]; expected each key at most once per object, got 'bizStep'
    """
    duplicates: list[tuple[str, dict[str, Any]]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items) and not duplicates:
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    duplicates.append((key, obj))
                    break
                seen.add(key)
        return obj

    try:
        doc = json.loads(data, object_pairs_hook=pairs, parse_int=_int, parse_float=_float)
    except RecursionError:
        raise _too_deep(data, max_depth) from None
    if duplicates:
        key, obj = duplicates[0]
        pointer = f"{_pointer_to(doc, obj)}/{_esc(key)}"
        raise EpcisError("duplicate key in a JSON object", field=key, pointer=pointer,
                         expected="each key at most once per object", found=key,
                         event_index=_event_index(pointer))
    if _BAD_CHAR_BYTES.search(data) or json.detect_encoding(data) != "utf-8":
        bad = next(_bad_text(doc, ""), None)
        if bad is not None:  # named as JSON escapes: the error itself is stored and served
            pointer, text = map(_escaped, bad)
            raise EpcisError("text holds a character XML cannot carry", field=_field(pointer),
                             pointer=pointer, event_index=_event_index(pointer),
                             expected="no control character (but tab, LF, CR), lone "
                             "surrogate, U+FFFE or U+FFFF", found=_shown(text))
    return doc


def too_deep(pointer: str, max_depth: int, **where: Any) -> HostileDocumentError:
    """The error for a JSON value at ``pointer`` nested deeper than ``max_depth``."""
    return HostileDocumentError(
        "JSON nesting too deep", field=_field(pointer), pointer=pointer,
        event_index=_event_index(pointer), expected=f"at most {max_depth} levels",
        found=f"more than {max_depth} levels", **where)


def _escaped(text: str) -> str:
    r"""``text`` with each character XML cannot carry written as a JSON escape.

    >>> _escaped("L\x001")
    'L\\u00001'
    """
    return _BAD_CHAR.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _int(text: str) -> int | Decimal:
    return int(text) if len(text) <= _MAX_INT else Decimal(text)


def _float(text: str) -> float | Decimal:
    value = float(text)
    return value if value - value == 0 else Decimal(text)  # inf - inf is nan


def _esc(key: str | int) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _field(pointer: str) -> str | None:
    """The last member name on ``pointer`` (array indices skipped)."""
    return next((p for p in reversed(pointer.split("/")) if p and not p.isdigit()), None)


def _event_index(pointer: str) -> int | None:
    match = _EVENT.match(pointer)
    return int(match.group(1)) if match else None


def _children(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        return ((_esc(k), v) for k, v in value.items())
    if isinstance(value, list):
        return ((str(i), v) for i, v in enumerate(value))
    return iter(())


def _pointer_to(doc: Any, target: Any) -> str:
    """The JSON pointer of the object ``target`` (found by identity) inside ``doc``."""
    stack = [("", doc)]
    while stack:
        pointer, value = stack.pop()
        if value is target:
            return pointer
        stack.extend((f"{pointer}/{k}", v) for k, v in _children(value))
    return ""


def _bad_text(value: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """``(pointer, text)`` of each key or string holding a character XML cannot carry."""
    stack = [(pointer, value)]
    while stack:
        pointer, value = stack.pop()
        if isinstance(value, str):
            if _BAD_CHAR.search(value):
                yield pointer, value
            continue
        if isinstance(value, dict):
            for key in value:
                if _BAD_CHAR.search(key):
                    yield f"{pointer}/{_esc(key)}", key
        stack.extend((f"{pointer}/{k}", v) for k, v in reversed(list(_children(value))))


def _too_deep(data: bytes, max_depth: int) -> HostileDocumentError:
    """Locate the first array or object nested deeper than ``max_depth``.

    Only on the error path: the decoder gave up without saying where.
    """
    path: list[list[Any]] = []  # per open container: [is object, member name or index]
    after_key_position = False
    for match in _TOKEN.finditer(data):
        token = match.group()
        if token in (b"{", b"["):
            if len(path) >= max_depth:
                pointer = "".join(f"/{_esc(step)}" for _, step in path)
                start = match.start()
                return too_deep(pointer, max_depth, line=data.count(b"\n", 0, start) + 1,
                                column=start - data.rfind(b"\n", 0, start))
            path.append([token == b"{", None if token == b"{" else 0])
            after_key_position = token == b"{"
        elif token in (b"}", b"]"):
            if path:
                path.pop()
        elif token == b",":
            if path and not path[-1][0]:
                path[-1][1] += 1
            after_key_position = bool(path) and path[-1][0]
        elif token == b":":
            after_key_position = False
        elif after_key_position:
            path[-1][1] = json.loads(token)
    return too_deep("", max_depth)
