"""`custody keys generate`, `custody checkpoint` and `custody verify` as an operator runs them."""

import asyncio
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from app.cli import cli
from app.db import create_engine, session_factory
from app.dialect import is_postgresql
from app.ledger import core, service
from app.ledger.verify import Compiled
from app.migrate import upgrade
from tests.conftest import BACKENDS
from tests.ledger.helpers import MFG, WHOLESALER, commission, sgtin, ship

runner = CliRunner()


async def fill(url: str, batches: range) -> None:
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        for b in batches:
            await service.append(
                session, [commission(10 * b + i, sgtin(10 * b + i)) for i in range(3)]
            )
            await service.append(session, [ship(10 * b + 5, sgtin(10 * b), MFG, WHOLESALER)])
    await engine.dispose()


async def tamper(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        if is_postgresql(conn):
            await conn.execute(
                text("ALTER TABLE ledger_leaves DISABLE TRIGGER ledger_leaves_append_only")
            )
        else:
            await conn.execute(text("DROP TRIGGER ledger_leaves_no_update"))
        await conn.execute(
            text(
                "UPDATE ledger_leaves SET event_hash = 'ni:///sha-256;forged?ver=CBV2.0' WHERE leaf_index = 2"
            )
        )
    await engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_operator_flow(backend, empty_database, tmp_path, monkeypatch):
    url = empty_database(backend)
    upgrade(url)
    monkeypatch.setenv("CUSTODY_DATABASE_URL", url)
    monkeypatch.setenv("CUSTODY_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("CUSTODY_LOG_ORIGIN", "custody.test/log")

    made = runner.invoke(cli, ["keys", "generate"])
    assert made.exit_code == 0, made.output
    verifier = made.stdout.strip()
    assert core.parse_verifier(verifier).name == "custody.test/log"
    key_file = tmp_path / "keys" / "checkpoint.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() not in made.output  # the private key is never printed

    again = runner.invoke(cli, ["keys", "generate"])
    assert again.exit_code != 0

    asyncio.run(fill(url, range(2)))
    signed = runner.invoke(cli, ["checkpoint"])
    assert signed.exit_code == 0, signed.output
    assert core.open_checkpoint(signed.stdout, verifier).size == 8
    asyncio.run(fill(url, range(2, 3)))
    assert runner.invoke(cli, ["checkpoint"]).exit_code == 0

    ok = runner.invoke(cli, ["verify"])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith(
        "ledger verified: 0 epcis_events, 12 custody_hops, 12 ledger_leaves,"
    )
    report = json.loads(runner.invoke(cli, ["verify", "--json"]).stdout)
    assert (
        report["ok"] is True
        and report["tree_size"] == 12
        and report["counts"]["ledger_checkpoints"] == 2
    )

    # On PostgreSQL the rows are checked by the compiled verifier (CI builds it).
    assert report["compiled"] is (backend == "postgresql" and Compiled is not None)

    asyncio.run(tamper(url))
    reports = [
        json.loads(runner.invoke(cli, ["verify", "--json", *flag]).stdout)
        for flag in ([], ["--pure-python"])
    ]
    assert reports[1]["compiled"] is False
    mismatch = reports[0]["mismatch"]
    assert reports[1]["mismatch"] == mismatch  # the reference names the same row, the same way
    assert (mismatch["table"], mismatch["row"]) == ("ledger_leaves", "2")
    assert mismatch["found"] == "ni:///sha-256;forged?ver=CBV2.0"
    bad = runner.invoke(cli, ["verify", "--json"])
    assert bad.exit_code == 1
    text_out = runner.invoke(cli, ["verify"])
    assert text_out.exit_code == 1
    assert text_out.stdout.splitlines()[0] == (
        "MISMATCH in ledger_leaves row 2: event_hash column differs from the leaf data"
    )


def test_checkpoint_without_key_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTODY_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("CUSTODY_KEY_DIR", str(tmp_path / "none"))
    result = runner.invoke(cli, ["checkpoint"])
    assert result.exit_code != 0
    assert "run `custody keys generate` first" in str(result.exception)


async def read_state(url: str) -> dict:
    engine = create_engine(url)
    async with engine.connect() as conn:
        row = (await conn.execute(text("SELECT size, root_hash, frontier FROM ledger_state"))).one()
    await engine.dispose()
    return dict(row._mapping)


async def roll_back(url: str, state: dict) -> None:
    """What a database owner can do: cut the log's tail and every checkpoint above it."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        for table in ("ledger_leaves", "ledger_nodes", "ledger_checkpoints", "custody_hops"):
            if is_postgresql(conn):
                await conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
            else:
                await conn.execute(text(f"DROP TRIGGER {table}_no_delete"))
        size = state["size"]
        for sql in ("DELETE FROM ledger_leaves WHERE leaf_index >= :n",
                    "DELETE FROM custody_hops WHERE leaf_index >= :n",
                    "DELETE FROM ledger_checkpoints WHERE tree_size > :n",
                    "DELETE FROM ledger_nodes WHERE (idx + 1) * (1 << level) > :n",
                    "UPDATE ledger_state SET size = :n, root_hash = :r, frontier = :f"):
            await conn.execute(text(sql), {"n": size, "r": state["root_hash"], "f": state["frontier"]})
    await engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_rolled_back_log_is_caught_by_the_checkpoint_kept_beside_the_key(
        backend, empty_database, tmp_path, monkeypatch):
    url = empty_database(backend)
    upgrade(url)
    monkeypatch.setenv("CUSTODY_DATABASE_URL", url)
    monkeypatch.setenv("CUSTODY_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("CUSTODY_LOG_ORIGIN", "custody.test/log")
    assert runner.invoke(cli, ["keys", "generate"]).exit_code == 0
    asyncio.run(fill(url, range(2)))
    assert runner.invoke(cli, ["checkpoint"]).exit_code == 0
    before = asyncio.run(read_state(url))
    asyncio.run(fill(url, range(2, 3)))
    last = runner.invoke(cli, ["checkpoint"])
    assert (tmp_path / "keys" / "checkpoint.latest").read_text() == last.stdout

    asyncio.run(roll_back(url, before))
    report = json.loads(runner.invoke(cli, ["verify", "--json"]).stdout)
    assert report["mismatch"] == {
        "table": "checkpoint.latest", "row": "latest", "expected": "size >= 12",
        "found": "size 8",
        "message": "the log holds fewer leaves than the last signed checkpoint: it was rolled back"}
    # Without the note kept outside the database, the shorter log verifies: the limit.
    (tmp_path / "keys" / "checkpoint.latest").unlink()
    assert json.loads(runner.invoke(cli, ["verify", "--json"]).stdout)["ok"] is True


def test_verify_with_an_unreadable_or_wrong_key_says_so_and_reports_no_tampering(
    tmp_path, monkeypatch
):
    """An operator's mistake with --key is one line on stderr and exit 2, never a MISMATCH
    (exit 1 is kept for a ledger that does not verify)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'ledger.db'}"
    upgrade(url)
    env = {"CUSTODY_DATABASE_URL": url, "CUSTODY_KEY_DIR": str(tmp_path / "keys"),
           "CUSTODY_LOG_ORIGIN": "custody.test/log"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert runner.invoke(cli, ["keys", "generate"]).exit_code == 0
    asyncio.run(fill(url, range(1)))
    assert runner.invoke(cli, ["checkpoint"]).exit_code == 0
    _, stranger = core.generate_signer("custody.test/log")
    (tmp_path / "stranger.pub").write_text(stranger + "\n")
    (tmp_path / "garbage.pub").write_text("not a key\n")
    (tmp_path / "binary.pub").write_bytes(b"\xff\xfe\x00")

    def custody(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", "from app.cli import main; main()", *args],
            env={**env, "PYTHONPATH": str(Path(__file__).parents[2]), "PATH": ""},
            capture_output=True, text=True, cwd=tmp_path,
        )

    assert custody("verify").returncode == 0
    key_id = core.parse_verifier(stranger).key_id.hex()
    cases = {
        str(tmp_path): f"error: --key: cannot read key file {tmp_path}: Is a directory",
        str(tmp_path / "binary.pub"): f"error: --key: cannot read key file {tmp_path}/binary.pub: "
        "not text",
        str(tmp_path / "garbage.pub"): f"error: --key: {tmp_path}/garbage.pub holds no verifier key: ",
        "/no/such/key.pub": "error: --key: '/no/such/key.pub' is neither a key file nor a "
        "verifier key: ",
        str(tmp_path / "stranger.pub"): f"error: --key: key custody.test/log+{key_id} did not "
        "sign this log's checkpoints (the first is signed by custody.test/log+",
        stranger: f"error: --key: key custody.test/log+{key_id} did not sign",
    }
    for key, message in cases.items():
        result = custody("verify", "--key", key)
        assert (result.returncode, result.stdout) == (2, ""), (key, result)
        assert result.stderr.startswith(message), (key, result.stderr)
        assert len(result.stderr.splitlines()) == 1 and "MISMATCH" not in result.stderr
