"""Demo data through the real API, and the CLI a newcomer runs."""

import asyncio
import re

import httpx
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings
from app.demo import PARTNERS, VIALS, seed
from app.ledger import core
from app.main import create_app
from tests.partners.helpers import make_key


async def test_seed_is_idempotent_and_served(session, client):
    assert await seed(session) == {"partners": 4}
    await session.commit()
    assert await seed(session) == {"partners": 0}
    await session.commit()

    admin = await make_key(session, None, "admin", "query")  # partner records are admin-only
    await session.commit()
    partners = (await client.get("/partners", headers=admin)).json()
    assert [p["legal_name"] for p in partners] == [p.legal_name for p in PARTNERS]
    manufacturer = partners[0]
    assert manufacturer["kind"] == "manufacturer" and manufacturer["authorized"] is True
    assert manufacturer["glns"] == ["0312345000004"]
    assert manufacturer["locations"][0]["sgln"] == "urn:epc:id:sgln:0312345.00000.0"

    assert (await client.get("/products")).status_code == 401  # master data needs a key
    assert (await client.get("/products", headers=admin)).json() == []  # the chain makes them
    missing = await client.get(f"/partners/{partners[-1]['id'] + 100}", headers=admin)
    assert missing.status_code == 404


def test_cli_demo_twice_is_harmless(tmp_path, monkeypatch):
    """A newcomer runs the demo twice: the key printed first still works, the signing key is
    kept and the demo's ``/ledger/checkpoint`` answers with a note that key verifies."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("CUSTODY_DATABASE_URL", url)
    monkeypatch.setenv("CUSTODY_KEY_DIR", str(tmp_path / "keys"))
    runner = CliRunner()
    first = runner.invoke(cli, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "4 partners created" in first.output
    assert "11 events, 7 units in the ledger, 2 products from its master data" in first.output
    signed = int(re.search(r"checkpoint signed at tree size (\d+)", first.output).group(1))
    assert signed > 11  # the chain's events, then the operator's stock, hold and recall
    assert "capture job" not in first.output  # the worker's line per job: the demo sums them up
    verifier = (tmp_path / "keys" / "checkpoint.pub").read_text()
    second = runner.invoke(cli, ["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert "0 partners created" in second.output
    assert (tmp_path / "keys" / "checkpoint.pub").read_text() == verifier
    # The first run's VRS key came after its checkpoint (an audit leaf, decision 0033); the
    # second run signs it, and its own keys and accounts, with the same key.
    resigned = int(re.search(r"checkpoint signed at tree size (\d+)", second.output).group(1))
    assert resigned > signed

    first_key, second_key = (
        re.search(r"demo API key \(admin, regulator; shown once\): (ck_\S+)", r.output).group(1)
        for r in (first, second)
    )

    async def check():
        app = create_app(Settings(database_url=url))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo") as http:
            note = (await http.get("/ledger/checkpoint")).text
            assert core.open_checkpoint(note, verifier.strip()).size == resigned
            for key in (first_key, second_key):
                unit = await http.get(f"/units/{VIALS[0]}/chain",
                                      headers={"Authorization": f"Bearer {key}"})
                assert unit.status_code == 200, unit.text
        await app.state.engine.dispose()

    asyncio.run(check())


def test_cli_unreachable_database_is_one_line(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "migrate"],
        env={"CUSTODY_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "PATH": ""},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: CUSTODY_DATABASE_URL: cannot connect to postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    assert len(result.stderr.strip().splitlines()) == 1
