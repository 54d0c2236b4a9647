"""Scanner text -> validated GS1 elements: element strings, HRI and GS1 Digital Link URIs.

Accepted input, with or without a symbology identifier prefix (``]d2``, ``]C1``,
``]e0``, ``]Q3`` ...):

- element strings with ASCII 29 (GS) after variable-length values, or any substitute
  characters given as ``separators`` (many keyboard-wedge scanners send another one);
- the human-readable form ``(01)...(17)...(10)...(21)...`` (spaces around values allowed);
- GS1 Digital Link URIs ``https://host/01/{gtin}/21/{serial}?17=...``.

A trailing Enter or Tab (CR, LF, HT), which wedge scanners often append, is ignored.

Every error quotes the input and names the 1-based position of the offending
character in it (counting the raw characters: a GS is one position).
"""

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal
from urllib.parse import unquote

from gs1.checkdigit import check_digit
from gs1.errors import GS1Error
from gs1.identifiers import AI82
from scanners.ais import AIS, AiSpec

GS = "\x1d"
Form = Literal["element string", "hri", "digital link"]

#: Symbology identifiers (ISO/IEC 15424) that mark GS1 data, with their names.
GS1_SYMBOLOGIES = {
    "]d2": "GS1 DataMatrix",
    "]C1": "GS1-128",
    "]e0": "GS1 DataBar",
    "]Q3": "GS1 QR Code",
    "]J1": "GS1 DotCode",
    "]E0": "EAN-13 / UPC-A",
    "]E4": "EAN-8",
}
_DL_PRIMARY_KEYS = frozenset({"00", "01", "253", "255", "401", "402", "414", "417", "8003",
                              "8004", "8006", "8010", "8013", "8017", "8018"})
_DIGITS = frozenset("0123456789")
_HRI_AI = re.compile(r"\((\d{2,4})\)")


@dataclass(frozen=True, slots=True)
class Element:
    """One AI and its value.

    ``position`` is where the AI starts in the input (1-based); ``as_date`` is set for the
    YYMMDD date AIs (11 to 17).
    """

    ai: str
    value: str
    position: int
    as_date: date | None = None


@dataclass(frozen=True)
class ScanText:
    """Scanner text split into validated elements.

    >>> scan = parse_text("]d2010031234567890621ABC|17260500", separators="|")
    >>> scan.symbology, scan.form, scan.get("21"), scan.get("10")
    (']d2', 'element string', 'ABC', None)
    """

    raw: str
    symbology: str | None
    form: Form
    elements: tuple[Element, ...]

    def get(self, ai: str) -> str | None:
        """The value of ``ai``, or None when absent."""
        for element in self.elements:
            if element.ai == ai:
                return element.value
        return None


def _fail(raw: str, message: str, position: int | None = None) -> GS1Error:
    return GS1Error(f"{raw!r}: {message}", value=raw, position=position)


def expiry_date(raw: str, ai: str, value: str, at: int, this_year: int) -> date:
    """Turn a YYMMDD value at 0-based offset ``at`` of ``raw`` into a date.

    Day 00 is the last day of the month; the century follows GS1 General Specifications 7.12.

    >>> expiry_date("17260200", "17", "260200", 2, 2026)
    datetime.date(2026, 2, 28)
    >>> expiry_date("17261301", "17", "261301", 2, 2026)
    Traceback (most recent call last):
    gs1.errors.GS1Error: '17261301': AI (17) month at position 5: expected 01 to 12, got 13
    """
    yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:6])
    diff = yy - this_year % 100
    century = this_year // 100 * 100 + (-100 if diff >= 51 else 100 if diff <= -50 else 0)
    year = century + yy
    if not 1 <= mm <= 12:
        raise _fail(raw, f"AI ({ai}) month at position {at + 3}: expected 01 to 12, got {value[2:4]}",
                    at + 3)
    last = calendar.monthrange(year, mm)[1]
    if dd > last:
        raise _fail(raw, f"AI ({ai}) day at position {at + 5}: expected 00 to {last} for"
                    f" {year}-{mm:02d}, got {value[4:6]}", at + 5)
    return date(year, mm, dd or last)


def _check(raw: str, spec: AiSpec, value: str, at: int) -> date | None:
    """Validate ``value`` (found at 0-based offset ``at`` of ``raw``) for ``spec``.

    Returns the date of a date AI (None for any other AI); raises a GS1Error naming the
    position when the value does not fit.
    """
    if spec.is_date:
        if len(value) == 6 and value.isdigit() and value.isascii():
            return expiry_date(raw, spec.ai, value, at, date.today().year)
    elif spec.pattern.fullmatch(value):
        if spec.check_digit and check_digit(value[:-1]) != value[-1]:
            p = at + len(value)
            raise _fail(raw, f"AI ({spec.ai}) {spec.check_digit} check digit at position {p}:"
                        f" expected {check_digit(value[:-1])}, got {value[-1]}", p)
        return None
    raise _diagnose(raw, spec, value, at)


def _diagnose(raw: str, spec: AiSpec, value: str, at: int) -> GS1Error:
    ai = spec.ai
    if spec.fixed_length is not None and len(value) != spec.fixed_length:
        return _fail(raw, f"AI ({ai}) value at position {at + 1}: expected {spec.fixed_length}"
                     f" characters, got {len(value)}", at + 1)
    if len(value) > spec.max_length:
        return _fail(raw, f"AI ({ai}) value at position {at + 1}: expected at most"
                     f" {spec.max_length} characters, got {len(value)} (missing separator?)",
                     at + 1)
    if not value:
        return _fail(raw, f"AI ({ai}) value at position {at + 1}: expected a value, got nothing",
                     at + 1)
    numeric = spec.data_format.startswith("N") and "X" not in spec.data_format
    for i, ch in enumerate(value):
        if numeric and ch not in _DIGITS:
            return _fail(raw, f"AI ({ai}) character at position {at + i + 1}: expected a digit,"
                         f" got {ch!r}", at + i + 1)
        if ch not in AI82:
            return _fail(raw, f"AI ({ai}) character at position {at + i + 1}: expected GS1"
                         f" character set 82, got {ch!r}", at + i + 1)
    return _fail(raw, f"AI ({ai}) value at position {at + 1}: expected format"
                 f" {spec.data_format}, got {value!r}", at + 1)


@functools.lru_cache(maxsize=64)
def _runs(seps: str) -> re.Pattern[str]:
    """Runs of text between separators."""
    return re.compile(f"[^{re.escape(seps)}]+")


def _element_string(raw: str, start: int, seps: str) -> list[Element]:
    # A separator ends every variable-length value, so each run between separators is a
    # chain of predefined-length elements, possibly ended by one variable-length element.
    elements = []
    for run in _runs(seps).finditer(raw, start):
        i, end = run.span()
        while i < end:
            spec = AIS.get(raw[i : i + 2]) or AIS.get(raw[i : i + 3]) or AIS.get(raw[i : i + 4])
            if spec is None:
                raise _fail(raw, f"application identifier at position {i + 1}: expected a known"
                            f" GS1 AI, got {raw[i : min(i + 4, end)]!r}", i + 1)
            j = i + len(spec.ai)
            stop = end if spec.fixed_length is None else min(j + spec.fixed_length, end)
            value = raw[j:stop]
            elements.append(Element(spec.ai, value, i + 1, _check(raw, spec, value, j)))
            i = stop
    return elements


def _hri(raw: str, start: int) -> list[Element]:
    marks = [m for m in _HRI_AI.finditer(raw, start) if m.group(1) in AIS]
    if not marks or marks[0].start() != start:
        raise _fail(raw, f"HRI at position {start + 1}: expected '(AI)' with a known GS1 AI,"
                    f" got {raw[start : start + 6]!r}", start + 1)
    elements = []
    for m, following in zip(marks, [*marks[1:], None], strict=True):
        stop = following.start() if following else len(raw)
        value = raw[m.end() : stop]
        lead = len(value) - len(value.lstrip(" "))
        value = value.strip(" ")
        day = _check(raw, AIS[m.group(1)], value, m.end() + lead)
        elements.append(Element(m.group(1), value, m.start() + 1, day))
    return elements


def _digital_link(raw: str, start: int) -> list[Element]:
    body, _, query = raw.partition("?")
    query = query.partition("#")[0]
    host_end = body.find("/", body.find("//", start) + 2)
    segments, offsets, pos = [], [], host_end + 1
    for segment in body[host_end + 1 :].split("/") if host_end > 0 else []:
        segments.append(segment)
        offsets.append(pos)
        pos += len(segment) + 1
    first = next((k for k, s in enumerate(segments) if s in _DL_PRIMARY_KEYS), None)
    if first is None:
        raise _fail(raw, "Digital Link path: expected a primary key such as /01/{gtin} or"
                    " /00/{sscc}, got none")
    pairs = [(segments[k], segments[k + 1] if k + 1 < len(segments) else "", offsets[k])
             for k in range(first, len(segments), 2)]
    pos = len(body) + 1
    for item in query.split("&") if query else []:
        key, _, value = item.partition("=")
        if key in AIS:
            pairs.append((key, value, pos))
        pos += len(item) + 1
    elements = []
    for ai, value, at in pairs:
        spec = AIS.get(ai)
        if spec is None:
            raise _fail(raw, f"Digital Link segment at position {at + 1}: expected a known"
                        f" GS1 AI, got {ai!r}", at + 1)
        decoded = unquote(value)
        if ai == "01" and decoded.isdigit() and len(decoded) in (8, 12, 13):
            decoded = decoded.rjust(14, "0")
        day = _check(raw, spec, decoded, at + len(ai) + 1)
        elements.append(Element(ai, decoded, at + 1, day))
    return elements


def parse_text(text: str, separators: str = GS) -> ScanText:
    """Split scanner text into GS1 elements, validating each AI's value.

    Args:
        text: what the scanner or the person sent.
        separators: characters that end a variable-length value; GS (ASCII 29) is
            always one of them.

    >>> [(e.ai, e.value) for e in parse_text("(01)00312345678906 (17)260500(10)L 1").elements]
    Traceback (most recent call last):
    gs1.errors.GS1Error: '(01)00312345678906 (17)260500(10)L 1': AI (10) character at position \
35: expected GS1 character set 82, got ' '
    >>> link = "https://id.example/01/00312345678906/21/A%2F1?17=260500"
    >>> [(e.ai, e.value) for e in parse_text(link).elements]
    [('01', '00312345678906'), ('21', 'A/1'), ('17', '260500')]
    >>> parse_text("01003123456789062A")
    Traceback (most recent call last):
    gs1.errors.GS1Error: '01003123456789062A': application identifier at position 17: expected a \
known GS1 AI, got '2A'
    """
    seps = separators if GS in separators else separators + GS
    text = text.rstrip("\r\n\t")  # wedge scanners often end with Enter or Tab
    symbology = text[:3] if text.startswith("]") and len(text) >= 3 else None
    start = 3 if symbology else 0
    while start < len(text) and (text[start] in seps or text[start] in "\r\n\t"):
        start += 1
    if start >= len(text):
        raise _fail(text, "expected a GS1 element string, HRI or Digital Link, got nothing")
    head = text[start : start + 8].lower()
    form: Form
    if text[start] == "(":
        form, elements = "hri", _hri(text, start)
    elif head.startswith(("https://", "http://")):
        form, elements = "digital link", _digital_link(text, start)
    else:
        form, elements = "element string", _element_string(text, start, seps)
    seen: dict[str, Element] = {}
    for element in elements:
        other = seen.setdefault(element.ai, element)
        if other.value != element.value:
            raise _fail(text, f"AI ({element.ai}) at position {element.position}: expected one"
                        f" value, got {other.value!r} and {element.value!r}", element.position)
    return ScanText(text, symbology, form, tuple(elements))
