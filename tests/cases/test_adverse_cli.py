"""``custody adverse report|show|list|e2b`` on a database ``custody demo`` filled: the same
rules and answers as the API, each read in the vault's access log, one-line errors."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from app.adverse.e2b import from_xml
from app.db import create_engine, session_factory
from app.demo import OPERATOR, VIALS
from app.migrate import upgrade
from app.models import VaultAccess
from tests.conftest import BACKENDS
from tests.process import custody


@pytest.fixture(params=BACKENDS)
def demo_env(request, empty_database, tmp_path) -> tuple[dict[str, str], str, int]:
    """(environment, the delivered case's reference, its adverse event's id) after the demo."""
    url = empty_database(request.param)
    upgrade(url)
    env = {"CUSTODY_DATABASE_URL": url, "CUSTODY_KEY_DIR": str(tmp_path / "keys"),
           "CUSTODY_OPERATOR_GLN": OPERATOR.gln}
    made = custody("demo", "--no-serve", timeout=300, **env)
    assert made.returncode == 0, made.stderr
    found = re.search(r"adverse event #(\d+) on case (CASE-[0-9A-Z-]+)", made.stdout)
    assert found, made.stdout
    return env, found[2], int(found[1])


async def _adverse_reads(url: str) -> list[tuple[str, str, dict]]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.scalars(select(VaultAccess).order_by(VaultAccess.id))
            return [(a.actor, a.action, a.detail) for a in rows if a.action.startswith("adverse")]
    finally:
        await engine.dispose()


async def test_report_show_list_and_e2b_from_the_command_line(demo_env):
    env, ref, first = demo_env
    recorded = custody("adverse", "report", ref.lower(), "--reporter", "Dr. C. Li",
                       "--role", "physician", "--seriousness", "non-serious",
                       "--description", "Mild headache", "--outcome", "unknown",
                       "--identifier", VIALS[1], **env)
    assert recorded.returncode == 0, recorded.stderr
    second = int(re.fullmatch(r"adverse event #(\d+) recorded\n", recorded.stdout)[1])

    listed = custody("adverse", "list", ref, **env)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[-1] == "2 report(s)" and lines[0].startswith(f"#{first} ")
    assert "serious" in lines[0] and "hospitalisation" in lines[0] and VIALS[1] in lines[1]

    shown = json.loads(custody("adverse", "show", str(second), **env).stdout)
    assert (shown["case_ref"], shown["description"], shown["outcome"]) == (
        ref, "Mild headache", "unknown")

    xml = custody("adverse", "e2b", str(second), "--format", "xml", **env)
    assert xml.returncode == 0, xml.stderr
    block = from_xml(xml.stdout.encode())
    as_json = json.loads(custody("adverse", "e2b", str(second), **env).stdout)
    assert block == as_json and block["case_ref"] == ref
    elements = {e["id"]: (e["code"], e["value"]) for e in block["elements"]}
    assert elements["E.i.7"] == ("0", "unknown") and "E.i.3.1" not in elements
    assert "Mild headache" not in xml.stdout and "Demo Patient" not in xml.stdout

    assert await _adverse_reads(env["CUSTODY_DATABASE_URL"]) == [
        ("cli", "adverse-list", {"reports": 2}), ("cli", "adverse-read", {"adverse_event": second}),
        ("cli", "adverse-e2b", {"adverse_event": second}),
        ("cli", "adverse-e2b", {"adverse_event": second})]


async def test_bad_input_is_one_line_naming_it_and_reads_nothing(demo_env):
    env, ref, first = demo_env
    for args, expected in (
            (("report", ref, "--reporter", "X", "--role", "physician", "--seriousness", "very",
              "--description", "d", "--outcome", "recovered", "--identifier", VIALS[0]),
             "error: seriousness: expected serious or non-serious, got 'very'\n"),
            (("show", "99999"), "error: adverse event 99999: no such report\n"),
            (("e2b", "99999", "--format", "xml"), "error: adverse event 99999: no such report\n"),
            (("list", "CASE-0000-0000-0000"), "error: case 'CASE-0000-0000-0000': expected the "
             "reference of a case, got one that names none\n")):
        answer = custody("adverse", *args, **env)
        assert (answer.returncode, answer.stdout, answer.stderr) == (2, "", expected), args
    wrong = custody("adverse", "e2b", str(first), "--format", "pdf", **env)
    assert wrong.returncode == 2 and "expected json or xml, got 'pdf'" in wrong.stderr
    assert await _adverse_reads(env["CUSTODY_DATABASE_URL"]) == []
