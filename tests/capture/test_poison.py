"""Poison values, posted as a hostile partner would: each is refused as EPCIS_INVALID naming the
event, the field and the value, on the first attempt (no crash, no retry, no traceback), nothing
is stored, ``GET /events`` still answers 200, and ``custody epcis validate`` says the same
without a traceback."""

from __future__ import annotations

import dataclasses
import json
import logging
from decimal import Decimal
from xml.sax.saxutils import escape as xml_escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.commands.epcis import app as epcis_cli
from app.events.schemas import query_document, xml_document
from app.ingest.errors import unreadable
from app.ingest.service import prepare
from app.ingest.worker import run_once
from app.models import CaptureJob, EpcisEvent, Unit
from epcis.bounds import MAX_IDENTIFIER
from epcis.errors import EpcisError
from epcis.hashing import event_hash
from epcis.model import QuantityElement
from epcis.read import read_document
from tests.ingest.chain import commission, document, sgtin
from tests.partners.helpers import chain_partners

EPC = sgtin(1)
LGTIN = "urn:epc:class:lgtin:0312345.060011.L1"
SITE = "urn:epc:id:sgln:0312345.00000.0"
EVENT = "/epcisBody/eventList/0"
JSON_CT = {"Content-Type": "application/ld+json"}
XML_CT = {"Content-Type": "application/xml"}
QUANTITY = ("expected a finite decimal of at most 15 significant digits, below 10^15")
IDENTIFIER = "expected an identifier of 1 to 200 characters"
TIME = "expected a time from 1900-01-01 to 2999-12-31 (UTC)"
CHARACTER = ("expected no control character (but tab, LF, CR), lone surrogate, U+FFFE or "
             "U+FFFF")


def _base(fmt: str) -> str:
    event = dataclasses.replace(commission([EPC]), quantity_list=(QuantityElement(LGTIN, Decimal(7)),))
    return document(event, fmt=fmt).decode()


def _json(old: str, new: str) -> bytes:
    text = _base("2.0-jsonld")
    assert text.count(old) == 1, old
    return text.replace(old, new).encode("utf-8", "surrogatepass")  # bytes as sent


def _xml(old: str, new: str) -> bytes:
    text = _base("1.2-xml")
    assert text.count(old) == 1, old
    return text.replace(old, new).encode("utf-8", "surrogatepass")


def _line(body: bytes, needle: str) -> int:
    text = body.decode()
    return text[:text.index(needle)].count("\n") + 1


def _nested_extension(levels: int) -> bytes:
    doc = json.loads(_base("2.0-jsonld"))
    doc["@context"].append({"ex": "http://ex.com/"})
    value: object = "x"
    for _ in range(levels):
        value = {"ex:a": value}
    doc["epcisBody"]["eventList"][0]["ex:a"] = value
    return json.dumps(doc).encode()


DEEP_POINTER = f"{EVENT}/ex:a" + "/ex:a" * 60  # the 65th level
JSON_CASES = {
    "quantity NaN": (_json('"quantity": 7', '"quantity": NaN'),
                     "quantity out of range", "quantityList/quantity", "NaN", QUANTITY,
                     f"{EVENT}/quantityList/0/quantity"),
    "quantity 1e999": (_json('"quantity": 7', '"quantity": 1e999'),
                       "quantity out of range", "quantityList/quantity", "1E+999", QUANTITY,
                       f"{EVENT}/quantityList/0/quantity"),
    "quantity of 5,000 digits": (_json('"quantity": 7', '"quantity": ' + "9" * 5000),
                                 "quantity out of range", "quantityList/quantity",
                                 "9" * 60 + "... (5000 characters)", QUANTITY,
                                 f"{EVENT}/quantityList/0/quantity"),
    "NUL in the lot": (_json('"cbvmda:lotNumber": "L1"', '"cbvmda:lotNumber": "L\\u00001"'),
                       "text holds a character XML cannot carry", "cbvmda:lotNumber", "L\\u00001",
                       CHARACTER, f"{EVENT}/ilmd/cbvmda:lotNumber"),
    "NUL in bizStep": (_json('"bizStep": "commissioning"', '"bizStep": "commissioning\\u0000"'),
                       "text holds a character XML cannot carry", "bizStep", "commissioning\\u0000",
                       CHARACTER, f"{EVENT}/bizStep"),
    "NUL in bizLocation": (_json(f'"bizLocation": {{\n          "id": "{SITE}"',
                                 f'"bizLocation": {{\n          "id": "{SITE}\\u0000"'),
                           "text holds a character XML cannot carry", "id", f"{SITE}\\u0000",
                           CHARACTER, f"{EVENT}/bizLocation/id"),
    "NUL in an EPC": (_json(f'"{EPC}"', f'"{EPC}\\u0000"'),
                      "text holds a character XML cannot carry", "epcList", f"{EPC}\\u0000",
                      CHARACTER, f"{EVENT}/epcList/0"),
    "a backspace written \\b": (_json('"cbvmda:lotNumber": "L1"', '"cbvmda:lotNumber": "L\\b1"'),
                               "text holds a character XML cannot carry", "cbvmda:lotNumber",
                               "L\\u00081", CHARACTER, f"{EVENT}/ilmd/cbvmda:lotNumber"),
    "a lone surrogate": (_json('"cbvmda:lotNumber": "L1"', '"cbvmda:lotNumber": "L\\ud800"'),
                         "text holds a character XML cannot carry", "cbvmda:lotNumber", "L\\ud800",
                         CHARACTER, f"{EVENT}/ilmd/cbvmda:lotNumber"),
    "an empty EPC": (_json(f'"{EPC}"', '""'), "empty identifier", "epcList", "", IDENTIFIER,
                     f"{EVENT}/epcList/0"),
    "an EPC over the column": (_json(f'"{EPC}"', f'"{EPC}{"9" * 200}"'),
                               "identifier too long", "epcList",
                               f"{EPC}{'9' * 27}... (233 characters)", IDENTIFIER,
                               f"{EVENT}/epcList/0"),
    "a bizLocation over the column": (
        _json(f'"bizLocation": {{\n          "id": "{SITE}"',
              f'"bizLocation": {{\n          "id": "{SITE}{"0" * 200}"'),
        "identifier too long", "bizLocation/id", f"{SITE}{'0' * 29}... (231 characters)",
        IDENTIFIER, f"{EVENT}/bizLocation/id"),
    "eventTime in year 1": (_json('"eventTime": "2026-11-02T08:00:00Z"',
                                  '"eventTime": "0001-01-01T00:00:00+01:00"'),
                            "time out of range", "eventTime", "0001-01-01T00:00:00+01:00", TIME,
                            f"{EVENT}/eventTime"),
    "eventTime in year 9999": (_json('"eventTime": "2026-11-02T08:00:00Z"',
                                     '"eventTime": "9999-12-31T23:59:59-01:00"'),
                               "time out of range", "eventTime", "9999-12-31T23:59:59-01:00", TIME,
                               f"{EVENT}/eventTime"),
    "100k nested arrays": (_json(f'"{EPC}"', "[" * 100_000 + "]" * 100_000),
                           "JSON nesting too deep", "epcList", "more than 64 levels",
                           "expected at most 64 levels", f"{EVENT}/epcList" + "/0" * 60),
    "900 nested extension objects": (_nested_extension(900), "JSON nesting too deep", "ex:a",
                                     "more than 64 levels", "expected at most 64 levels",
                                     DEEP_POINTER),
    "bizStep twice": (_json('"bizStep": "commissioning"',
                            '"bizStep": "commissioning", "bizStep": "shipping"'),
                      "duplicate key in a JSON object", "bizStep", "bizStep",
                      "expected each key at most once per object", f"{EVENT}/bizStep"),
    "epcList twice": (_json('"action": "ADD"', f'"action": "ADD", "epcList": ["{sgtin(2)}"]'),
                      "duplicate key in a JSON object", "epcList", "epcList",
                      "expected each key at most once per object", f"{EVENT}/epcList"),
}
QTY_XML = "<quantity>7</quantity>"
XML_CASES = {
    "quantity NaN": (_xml(QTY_XML, "<quantity>NaN</quantity>"), "quantity out of range",
                     "quantityList/quantity", "NaN", QUANTITY, "<quantity>"),
    "quantity Infinity": (_xml(QTY_XML, "<quantity>-Infinity</quantity>"),
                          "quantity out of range", "quantityList/quantity", "-Infinity", QUANTITY,
                          "<quantity>"),
    "quantity 1e999": (_xml(QTY_XML, "<quantity>1e999</quantity>"), "quantity out of range",
                       "quantityList/quantity", "1E+999", QUANTITY, "<quantity>"),
    "quantity of 5,000 digits": (_xml(QTY_XML, f"<quantity>{'9' * 5000}</quantity>"),
                                 "quantity out of range", "quantityList/quantity",
                                 "9" * 60 + "... (5000 characters)", QUANTITY, "<quantity>"),
    "an empty EPC": (_xml(f"<epc>{EPC}</epc>", "<epc> </epc>"), "empty identifier", "epcList",
                     "", IDENTIFIER, "<epc>"),
    "an EPC over the column": (_xml(f"<epc>{EPC}</epc>", f"<epc>{EPC}{'9' * 200}</epc>"),
                               "identifier too long", "epcList",
                               f"{EPC}{'9' * 27}... (233 characters)", IDENTIFIER, "<epc>"),
    "eventTime in year 1": (_xml("<eventTime>2026-11-02T08:00:00Z",
                                 "<eventTime>0001-01-01T00:00:00+01:00"),
                            "time out of range", "eventTime", "0001-01-01T00:00:00+01:00", TIME,
                            "<eventTime>"),
    "eventTime in year 9999": (_xml("<eventTime>2026-11-02T08:00:00Z",
                                    "<eventTime>9999-12-31T23:59:59-01:00"),
                               "time out of range", "eventTime", "9999-12-31T23:59:59-01:00",
                               TIME, "<eventTime>"),
}


class _Errors(logging.Handler):
    """Collects what the worker logs at ERROR (a crashed job logs its traceback there)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def _refused(client, session, sessions, body: bytes, content_type: dict) -> dict:
    """POST ``body``, run its job once; assert nothing crashed or was stored; the job's error."""
    partners = await chain_partners(session)
    _, headers = partners["mfg"]
    posted = await client.post("/capture", content=body, headers={**headers, **content_type})
    assert posted.status_code == 202, posted.text
    errors = _Errors()
    worker_log = logging.getLogger("custody.worker")
    worker_log.addHandler(errors)
    try:
        await run_once(sessions)
    finally:
        worker_log.removeHandler(errors)
    assert errors.records == []  # no "capture job crashed", no traceback
    job = (await client.get(posted.headers["location"], headers=headers)).json()
    stored = await session.get(CaptureJob, job["captureID"])
    await session.refresh(stored)
    assert (job["status"], stored.attempts) == ("failed", 1)  # refused, never retried
    assert await session.scalar(select(func.count()).select_from(EpcisEvent)) == 0
    assert await session.scalar(select(func.count()).select_from(Unit)) == 0
    listed = await client.get("/events", headers=headers)
    assert listed.status_code == 200 and listed.json()["epcisBody"]["queryResults"][
        "resultsBody"]["eventList"] == []
    [error] = job["errors"]
    assert error["reason"] == "EPCIS_INVALID"
    return error


@pytest.mark.parametrize("case", JSON_CASES)
async def test_json_poison_is_refused_naming_event_field_and_value(client, session, sessions,
                                                                    case, tmp_path):
    body, message, field, found, expected, pointer = JSON_CASES[case]
    error = await _refused(client, session, sessions, body, JSON_CT)
    assert (error["eventIndex"], error["field"], error["found"], error["pointer"]) == (
        0, field, found, pointer)
    assert message in error["detail"] and expected in error["detail"]
    assert error["detail"].startswith(f"event 0, {'line ' if 'line' in error else ''}")
    _validate_says_the_same(tmp_path, body, error)


@pytest.mark.parametrize("case", XML_CASES)
async def test_xml_poison_is_refused_naming_event_line_field_and_value(client, session, sessions,
                                                                       case, tmp_path):
    body, message, field, found, expected, tag = XML_CASES[case]
    error = await _refused(client, session, sessions, body, XML_CT)
    line = _line(body, tag)
    assert error["detail"] == f"event 0, line {line}: {message} [field {field}]; {expected}, got {found!r}"
    assert (error["eventIndex"], error["line"], error["field"], error["found"]) == (
        0, line, field, found)
    _validate_says_the_same(tmp_path, body, error)


def _validate_says_the_same(tmp_path, body: bytes, error: dict) -> None:
    path = tmp_path / "poison"
    path.write_bytes(body)
    result = CliRunner().invoke(epcis_cli, ["validate", str(path)])
    assert result.exit_code == 2 and result.exception is None or isinstance(
        result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.output == f"error: {' '.join(error['detail'].split())}\n"


NEST = "<ex:a xmlns:ex='http://ex.com/'>"


async def test_nested_xml_extensions_stop_at_the_depth_limit(client, session, sessions, tmp_path):
    deep = _xml("<action>ADD</action>", f"<action>ADD</action>{NEST * 100}{'</ex:a>' * 100}")
    error = await _refused(client, session, sessions, deep, XML_CT)
    assert error["detail"] == (f"line {_line(deep, '<ex:a')}: element nesting too deep; "
                               "expected at most 64 levels, got '65 levels'")
    _validate_says_the_same(tmp_path, deep, error)


@pytest.mark.parametrize("levels", [900, 100_000])
async def test_deeper_xml_is_refused_by_the_parser_at_capture(client, session, levels, tmp_path):
    """libxml2 stops at 256 levels: the document is refused before it is stored."""
    _, headers = (await chain_partners(session))["mfg"]
    deeper = _xml("<action>ADD</action>", f"<action>ADD</action>{NEST * levels}{'</ex:a>' * levels}")
    refused = await client.post("/capture", content=deeper, headers={**headers, **XML_CT})
    line = _line(deeper, "<ex:a")
    column = deeper.decode().splitlines()[line - 1].index("<ex:a") + 253 * len(NEST)  # as libxml2 counts
    found = f"Excessive depth in document: 256, use XML_PARSE_HUGE option, line {line}, column {column}"
    assert (refused.status_code, refused.json()["detail"]) == (
        400, f"line {line}, column {column}: document is not well-formed XML, got {found!r}")
    assert await session.scalar(select(func.count()).select_from(CaptureJob)) == 0
    _validate_says_the_same(tmp_path, deeper, refused.json())


# -- Hypothesis: hostile values at both readers ---------------------------------------------
HOSTILE_TEXT = st.one_of(
    st.text(max_size=300),  # every code point: controls, lone surrogates, U+FFFE ...
    st.sampled_from(["", " ", "NaN", "-Infinity", "1e999", "-1e-999", "9" * 5000, "0" * 300,
                     "1E+15", "999999999999999", "0.000000000000001", "sNaN", "\ufffe"]),
    st.integers().map(str), st.floats().map(repr),
)
FIELDS = {  # field -> (JSON text to replace, XML text to replace), both holding "{}"
    "quantity": ('"quantity": 7', "<quantity>7</quantity>", '"quantity": {}', "<quantity>{}</quantity>"),
    "epc": (f'"{EPC}"', f"<epc>{EPC}</epc>", "{}", "<epc>{}</epc>"),
    "bizStep": ('"bizStep": "commissioning"', "<bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>",
                '"bizStep": {}', "<bizStep>{}</bizStep>"),
    "lot": ('"cbvmda:lotNumber": "L1"', "<cbvmda:lotNumber>L1</cbvmda:lotNumber>",
            '"cbvmda:lotNumber": {}', "<cbvmda:lotNumber>{}</cbvmda:lotNumber>"),
    "eventTime": ('"eventTime": "2026-11-02T08:00:00Z"', "<eventTime>2026-11-02T08:00:00Z</eventTime>",
                  '"eventTime": {}', "<eventTime>{}</eventTime>"),
}


def _served(prepared) -> None:
    """What storing and serving back ``prepared`` takes: UTF-8 text without NUL, identifiers
    within their columns, a JSON answer without NaN, the same hash read back, an XML answer."""
    for event, digest, body in zip(prepared.events, prepared.hashes, prepared.bodies, strict=True):
        assert "\x00" not in body
        body.encode("utf-8")
        for value in (*event.all_epcs, event.biz_step, event.disposition,
                      *(loc.id for loc in (event.read_point, event.biz_location) if loc)):
            assert value is None or 0 < len(value) <= EpcisEvent.__table__.c.biz_step.type.length
        row = EpcisEvent(event_hash=digest, body=body, record_time=event.event_time)
        json.dumps(query_document([row]), allow_nan=False).encode("utf-8")
        [back] = read_document(body.encode(), format="2.0-jsonld").events
        assert event_hash(back) == digest
        xml_document([row])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(sorted(FIELDS)), value=HOSTILE_TEXT, as_xml=st.booleans())
def test_a_hostile_value_is_a_clean_epcis_error_or_served_back(field, value, as_xml):
    json_old, xml_old, json_new, xml_new = FIELDS[field]
    if as_xml:
        body = _xml(xml_old, xml_new.format(xml_escape(value)))
    elif field == "quantity":
        body = _json(json_old, json_new.format(value))  # raw: a number, NaN or not JSON at all
    else:
        body = _json(json_old, json_new.format(json.dumps(value)))
    try:
        prepared = prepare(body)
    except EpcisError as exc:
        json.dumps(unreadable(exc).problem(), allow_nan=False).encode("utf-8")  # stored, served
        return
    _served(prepared)


def test_every_column_holding_an_identifier_is_as_wide_as_the_readers_bound():
    from app.models import CustodyHop as Hop
    from app.models import EventEpc, EventReference

    columns = (EpcisEvent.biz_step, EpcisEvent.disposition, EpcisEvent.biz_location,
               EventEpc.epc, Unit.identifier, Hop.unit, Hop.location, EventReference.type,
               EventReference.value)
    assert {c.key: c.type.length >= MAX_IDENTIFIER for c in columns} == {
        c.key: True for c in columns}


@pytest.mark.parametrize(("member", "entry", "key"), [
    ("bizTransactionList", {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:x:" + "9" * 600},
     "bizTransaction"),
    ("sourceList", {"type": "owning_party", "source": "urn:epc:id:sgln:" + "0" * 600}, "source"),
    ("destinationList", {"type": "x" * 300, "destination": "urn:epc:id:sgln:0614141.00001.0"},
     "type"),
])
def test_references_over_their_column_are_refused_at_the_reader(member, entry, key):
    """Business transactions, sources and destinations fill event_references: over its columns
    they made PostgreSQL refuse the insert and the job crash."""
    doc = json.loads(_base("2.0-jsonld"))
    doc["epcisBody"]["eventList"][0][member] = [entry]
    with pytest.raises(EpcisError) as caught:
        read_document(json.dumps(doc).encode())
    assert (caught.value.message, caught.value.field, caught.value.pointer) == (
        "identifier too long", f"{member}/{key}", f"{EVENT}/{member}/0/{key}")
