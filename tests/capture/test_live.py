"""Custody as deployed: `custody serve` and `custody worker` processes on PostgreSQL, over TCP.

The demo chain travels through a live uvicorn server, one partner key per trading partner;
then a worker is killed (SIGKILL) in the middle of a large job and a new one, after the
job's lease, applies it exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import select

from app.auth import service as auth
from app.db import create_engine, session_factory
from app.demo import PARTNERS, chain_documents, seed
from app.ledger import core
from app.migrate import upgrade
from app.models import PartnerGln
from tests.ingest.chain import commission, document, sgtin

CUSTODY = str(Path(sys.executable).with_name("custody"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _onboard(url: str) -> dict[str, str]:
    """Demo partners and products, and a capture+query key per partner GLN."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    keys = {}
    async with sessions() as session, session.begin():
        await seed(session)
        for spec in PARTNERS:
            partner = await session.scalar(select(PartnerGln).where(PartnerGln.gln == spec.gln))
            _, plaintext = await auth.issue(
                session, partner.partner_id, ["capture", "query"], "live", "test"
            )
            keys[spec.gln] = plaintext
    await engine.dispose()
    return keys


@pytest.fixture
def live_db(empty_database):
    url = empty_database("postgresql")
    upgrade(url)
    return url, asyncio.run(_onboard(url))


def _env(url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "CUSTODY_DATABASE_URL": url, "CUSTODY_LOG_LEVEL": "WARNING", **extra}


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([CUSTODY, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _wait_healthy(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read()
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("custody serve did not answer /healthz within 90 s")


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=20)
    # Graceful: it finished within the timeout. uvicorn re-raises SIGTERM once it has shut
    # down, so `serve` reports -SIGTERM; `worker` handles the signal and exits 0.
    assert proc.returncode in (0, -signal.SIGTERM), output
    return output


def _await_job(http: httpx.Client, location: str, key: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = http.get(location, headers={"Authorization": f"Bearer {key}"}).json()
        if not job["running"]:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {location} still running after {timeout} s")


def _custody(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([CUSTODY, *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_demo_chain_through_a_live_server(live_db, tmp_path):
    url, keys = live_db
    env = _env(url, CUSTODY_KEY_DIR=str(tmp_path / "keys"))
    verifier = _custody("keys", "generate", env=env).strip()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start(["serve", "--port", str(port)], env)
    try:
        _wait_healthy(base, server)
        with httpx.Client(base_url=base, timeout=30) as http:
            for gln, body in chain_documents():
                posted = http.post("/capture", content=body,
                                   headers={"Authorization": f"Bearer {keys[gln]}"})
                assert posted.status_code == 202, posted.text
                job = _await_job(http, posted.headers["Location"], keys[gln])
                assert job["status"] == "succeeded" and job["errors"] == [], job

            hospital = {"Authorization": f"Bearer {keys[PARTNERS[3].gln]}"}
            vial = "urn:epc:id:sgtin:0312345.060011.ZT00001"
            unit = http.get(f"/units/{vial}", headers=hospital).json()
            assert unit["status"] == "dispensed"
            assert [hop["kind"] for hop in unit["chain"]][0] == "commission"
            assert http.get(f"/units/{vial}", headers={
                "Authorization": f"Bearer {keys[PARTNERS[0].gln]}"}).json()["status"] == "dispensed"

            # A regulator's offline check: signed checkpoint, then the last hop's inclusion.
            _custody("checkpoint", env=env)
            checkpoint = core.open_checkpoint(http.get("/ledger/checkpoint").text, verifier)
            last = http.get(f"/units/{vial}/chain", headers=hospital).json()["hops"][-1]
            proof = http.get("/ledger/proofs/inclusion", params={
                "leaf_index": last["leaf_index"], "tree_size": checkpoint.size}).json()
            core.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), proof["leaf_index"],
                                  checkpoint.size, [bytes.fromhex(h) for h in proof["hashes"]],
                                  checkpoint.root_hash)
    finally:
        output = _stop(server)
    assert "Custody is running at " + base in output


def _count(url: str, table: str) -> int:
    dsn = url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(dsn) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_worker_killed_mid_job_loses_nothing_and_applies_once(live_db):
    url, keys = live_db
    manufacturer = PARTNERS[0].gln
    count = 20_000
    body = document(*(commission([sgtin(n)], minutes=n % 60) for n in range(count)))
    logged = _count(url, "ledger_leaves")  # the audit entries of live_db's keys
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start(["serve", "--port", str(port), "--no-worker"], _env(url))
    try:
        _wait_healthy(base, server)
        with httpx.Client(base_url=base, timeout=60) as http:
            auth_header = {"Authorization": f"Bearer {keys[manufacturer]}"}
            posted = http.post("/capture", content=body, headers=auth_header)
            assert posted.status_code == 202, posted.text
            location = posted.headers["Location"]

            doomed = _start(["worker", "--poll", "0.1"], _env(url))
            deadline = time.monotonic() + 90
            while http.get(location, headers=auth_header).json()["status"] != "running":
                assert time.monotonic() < deadline, "the worker never claimed the job"
                time.sleep(0.05)
            time.sleep(0.5)
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(timeout=10)

            job = http.get(location, headers=auth_header).json()
            assert job["status"] == "running" and job["attempts"] == 1, job
            assert _count(url, "epcis_events") == 0 and _count(url, "ledger_leaves") == logged

            rescuer = _start(["worker", "--poll", "0.2"], _env(url, CUSTODY_JOB_LEASE_SECONDS="1"))
            try:
                job = _await_job(http, location, keys[manufacturer], timeout=300)
            finally:
                _stop(rescuer)
            assert job["status"] == "succeeded" and job["attempts"] == 2, job
            assert job["eventCount"] == count
            assert _count(url, "epcis_events") == count
            assert _count(url, "units") == count
            assert _count(url, "ledger_leaves") == logged + count
    finally:
        _stop(server)

    verified = subprocess.run([CUSTODY, "verify", "--json"], env=_env(url),
                              capture_output=True, text=True, timeout=300)
    assert verified.returncode == 0, verified.stdout + verified.stderr
