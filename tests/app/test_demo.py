"""Demo data through the real API, and the CLI a newcomer runs."""

from typer.testing import CliRunner

from app.cli import cli
from app.demo import PARTNERS, seed
from tests.partners.helpers import make_key


async def test_seed_is_idempotent_and_served(session, client):
    assert await seed(session) == {"partners": 4}
    await session.commit()
    assert await seed(session) == {"partners": 0}
    await session.commit()

    admin = await make_key(session, None, "admin")  # partner records are admin-only
    await session.commit()
    partners = (await client.get("/partners", headers=admin)).json()
    assert [p["legal_name"] for p in partners] == [p.legal_name for p in PARTNERS]
    manufacturer = partners[0]
    assert manufacturer["kind"] == "manufacturer" and manufacturer["authorized"] is True
    assert manufacturer["glns"] == ["0312345000004"]
    assert manufacturer["locations"][0]["sgln"] == "urn:epc:id:sgln:0312345.00000.0"

    assert (await client.get("/products")).json() == []  # the chain's master data makes them
    missing = await client.get(f"/partners/{partners[-1]['id'] + 100}", headers=admin)
    assert missing.status_code == 404


def test_cli_demo_twice_is_harmless(tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTODY_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    runner = CliRunner()
    first = runner.invoke(cli, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "4 partners created" in first.output
    assert "11 events, 7 units in the ledger, 2 products from its master data" in first.output
    second = runner.invoke(cli, ["demo", "--no-serve"])
    assert second.exit_code == 0
    assert "0 partners created" in second.output

    import re

    first_key, second_key = (
        re.search(r"demo API key \(admin, regulator; shown once\): (ck_\S+)", r.output).group(1)
        for r in (first, second)
    )
    import asyncio

    from app.auth.service import authenticate
    from app.db import create_engine, session_factory
    from app.errors import Unauthorized

    async def check():
        engine = create_engine(
            f"sqlite:///{tmp_path / 'demo.db'}".replace("sqlite:", "sqlite+aiosqlite:")
        )
        async with session_factory(engine)() as session:
            assert {"admin", "regulator"} <= (
                await authenticate(session, f"Bearer {second_key}")
            ).scopes
            try:
                await authenticate(session, f"Bearer {first_key}")
            except Unauthorized as exc:
                assert exc.detail.endswith("was revoked")
            else:
                raise AssertionError("the first demo key should be revoked")
        await engine.dispose()

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
