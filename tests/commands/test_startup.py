"""Start-up: a command imports what it uses and nothing else; ``epcis hash`` streams.

Module sets, not wall time: they do not flake on a busy machine, and they fail as soon as
someone imports SQLAlchemy, FastAPI or pydantic at the top of the CLI again.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import threading

from tests.corpus import corpus_path
from tests.process import CUSTODY, env

SERVICE_STACK = ("sqlalchemy", "fastapi", "starlette", "uvicorn", "pydantic", "pydantic_settings",
                 "alembic", "psycopg", "aiosqlite", "structlog", "app.config", "app.db")
IMAGING = ("PIL", "zxingcpp", "pyzbar", "barcode", "biip")


def imported(*args: str) -> set[str]:
    """Top-level and dotted names of every module ``custody ARGS`` imports."""
    result = subprocess.run([CUSTODY[0], "-X", "importtime", *CUSTODY[1:], *args], env=env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [x.split("|")[-1].strip() for x in result.stderr.splitlines() if "import time:" in x]
    return {name for line in lines[1:] for name in (line, line.split(".")[0])}


def test_version_imports_neither_the_service_stack_nor_any_subcommand():
    modules = imported("version")
    assert modules & {*SERVICE_STACK, *IMAGING, "lxml", "epcis", "rich"} == set()
    assert not {m for m in modules if m.startswith("app.commands")}


def test_epcis_hash_imports_the_epcis_library_only():
    one = corpus_path("event-hash", "RalphTro-epcis-event-hash-generator", "examples",
                      "ReferenceEventHashAlgorithm.xml")
    modules = imported("epcis", "hash", str(one))
    assert {"epcis.hashing", "epcis.read", "lxml"} <= modules
    assert modules & {*SERVICE_STACK, *IMAGING} == set()


HEAD = b"""<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"
 creationDate="2024-05-01T08:00:00Z"><EPCISBody><EventList>
"""
EVENT = b"""<ObjectEvent><eventTime>2024-05-01T08:00:00.%03dZ</eventTime>
<eventTimeZoneOffset>+00:00</eventTimeZoneOffset><epcList><epc>urn:epc:id:sgtin:0614141.011111.%d</epc>
</epcList><action>OBSERVE</action><bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep></ObjectEvent>
"""
TAIL = b"</EventList></EPCISBody></epcis:EPCISDocument>\n"


def test_epcis_hash_json_writes_hashes_while_the_document_is_still_arriving(tmp_path):
    """Hashes come out before the document ends: nothing waits for (or holds) all of it."""
    fifo = tmp_path / "events.xml"
    os.mkfifo(fifo)
    process = subprocess.Popen([*CUSTODY, "epcis", "hash", "--json", str(fifo)], env=env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    writer = open(fifo, "wb")  # noqa: SIM115 - closed below, after the first answer
    try:
        writer.write(HEAD + b"".join(EVENT % (n % 1000, n) for n in range(400)))
        writer.flush()
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready, "no hash was written while the document was still open"
        first = os.read(process.stdout.fileno(), 65536)
        assert first.startswith(b'[\n  {\n    "index": 0,\n    "eventHash": "ni:///sha-256;')
    finally:
        threading.Thread(target=lambda: (writer.write(TAIL), writer.close())).start()
        rest, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors
    assert (first + rest).decode().count('"eventHash"') == 400


def test_epcis_hash_json_keeps_the_hashes_read_before_a_bad_event(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_bytes(HEAD + EVENT % (0, 0) + EVENT % (1, 1)
                    + EVENT.replace(b"OBSERVE", b"LOOK") % (2, 2) + TAIL)
    result = subprocess.run([*CUSTODY, "epcis", "hash", "--json", str(bad)], env=env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert [row["index"] for row in json.loads(result.stdout)] == [0, 1]
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
