"""`custody ingest` and the embedded worker, against freshly migrated databases."""

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from app.capture.service import capture
from app.cli import cli
from app.config import Settings
from app.db import create_engine, session_factory
from app.main import create_app
from app.migrate import upgrade
from tests.conftest import BACKENDS
from tests.ingest.chain import MFG, WHOLESALER, commission, document, pack, sgtin, ship, sscc
from tests.partners.helpers import chain_partners

runner = CliRunner()


@pytest.mark.parametrize("backend", BACKENDS)
def test_ingest_a_file_for_a_partner(backend, empty_database, tmp_path, monkeypatch):
    url = empty_database(backend)
    upgrade(url)
    monkeypatch.setenv("CUSTODY_DATABASE_URL", url)
    ids = []
    for name, gln, kind in (("Northwind", "0312345000004", "manufacturer"),
                            ("Atlas", "0360001000004", "wholesaler")):
        made = runner.invoke(cli, ["partners", "add", "--name", name, "--kind", kind, "--gln", gln,
                                   "--prefix", gln[:7], "--licence", f"licence:KY:{gln}:2024-01-01:2099-12-31"])
        assert made.exit_code == 0, made.output
        ids.append(str(json.loads(made.stdout)["id"]))
    items = [sgtin(n) for n in range(5)]
    path = tmp_path / "shipment.xml"
    path.write_bytes(document(commission(items), pack(sscc(1), items), ship([sscc(1)], MFG, WHOLESALER),
                              fmt="1.2-xml"))
    first = runner.invoke(cli, ["ingest", str(path), "--partner", ids[0]])
    assert first.exit_code == 0, first.output
    job_id = first.stdout.split()[1].rstrip(":")
    assert first.stdout == f"job {job_id}: succeeded, 3 events, 0 errors\n"
    again = runner.invoke(cli, ["ingest", str(path), "--partner", ids[0]])
    assert again.stdout == first.stdout

    bad = tmp_path / "bad.json"
    bad.write_bytes(document(ship([sgtin(99)], MFG, WHOLESALER)))
    failed = runner.invoke(cli, ["ingest", str(bad), "--partner", ids[0]])
    assert failed.exit_code == 1
    assert failed.stdout.endswith(": failed, 1 events, 1 errors\n")
    assert json.loads(failed.stderr)["reason"] == "UNKNOWN_UNIT"

    monkeypatch.setenv("CUSTODY_CAPTURE_EVENT_LIMIT", "2")
    many = tmp_path / "many.json"
    many.write_bytes(document(*(commission([sgtin(n)], minutes=n) for n in range(10, 13))))
    refused = runner.invoke(cli, ["ingest", str(many), "--partner", ids[0]])
    assert refused.exit_code == 1
    assert refused.stdout.endswith(": failed, 0 events, 1 errors\n")  # refused unread
    assert json.loads(refused.stderr)["reason"] == "CAPTURE_LIMIT_EXCEEDED"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_serve_processes_jobs_itself(backend, empty_database):
    url = empty_database(backend)
    await asyncio.to_thread(upgrade, url)
    app = create_app(Settings(database_url=url, capture_event_limit=1), workers=True)
    async with app.router.lifespan_context(app):
        async with session_factory(app.state.engine)() as session:
            partners = await chain_partners(session)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://custody.test") as http:
            headers = partners["mfg"][1]
            jobs = []
            for body in (document(commission([sgtin(1)])),
                         document(commission([sgtin(2)]), commission([sgtin(3)], minutes=1))):
                posted = await http.post("/capture", content=body, headers=headers)
                for _ in range(100):
                    job = (await http.get(posted.headers["location"], headers=headers)).json()
                    if not job["running"]:
                        break
                    await asyncio.sleep(0.05)
                jobs.append((job["status"], job["eventCount"],
                             [e["reason"] for e in job["errors"]]))
    # The embedded worker applies CUSTODY_CAPTURE_EVENT_LIMIT (here 1).
    assert jobs == [("succeeded", 1, []), ("failed", None, ["CAPTURE_LIMIT_EXCEEDED"])]


async def _capture_without_partner(url: str, body: bytes) -> str:
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        job_id = (await capture(session, body, None, None)).job.id
    await engine.dispose()
    return job_id


def test_the_worker_logs_a_crashed_job_as_json_without_locals(empty_database):
    url = empty_database("sqlite")
    upgrade(url)
    # A partnerless job (possible only below the HTTP layer) crashes the runner every attempt.
    job_id = asyncio.run(_capture_without_partner(
        url, document(commission([sgtin(n) for n in range(2_000)]))))
    worker = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "worker", "--poll", "0.1"],
        env={**os.environ, "CUSTODY_DATABASE_URL": url}, stderr=subprocess.PIPE, text=True)
    try:
        with sqlite3.connect(make_url(url).database) as db:
            deadline = time.monotonic() + 30
            query = "SELECT status FROM capture_jobs WHERE id = ?"
            while db.execute(query, (job_id,)).fetchone()[0] != "failed":
                assert time.monotonic() < deadline, "the job did not fail within 30 s"
                time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, logged = worker.communicate(timeout=20)
    records = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    crashes = [r for r in records if r["event"] == "capture job crashed"]
    assert [r["attempt"] for r in crashes] == [1, 2, 3]
    assert [(r["attempt"], r["outcome"]) for r in records if r["event"] == "capture job"] == [
        (1, "retry"), (2, "retry"), (3, "failed")]
    for record in crashes:
        [error] = record["exception"]
        assert error["exc_value"] == f"capture job {job_id} has no submitting partner"
        assert all(frame.keys() == {"filename", "lineno", "name"} for frame in error["frames"])
    assert "urn:epc:id:sgtin:" not in logged
