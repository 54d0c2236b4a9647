"""An unreachable database: commands stop in one line, the API answers 503 problems."""

from __future__ import annotations

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from tests.conftest import create_pg_database, drop_pg_database
from tests.process import custody, free_port


@pytest.mark.parametrize("command", [["serve", "--no-worker"], ["serve"], ["worker"]])
def test_serve_and_worker_stop_in_one_line_naming_the_setting(command):
    closed = free_port()
    url = f"postgresql+psycopg://nobody@127.0.0.1:{closed}/custody"
    if command[0] == "serve":
        command = [*command, "--port", str(free_port())]
    result = custody(*command, timeout=90, CUSTODY_DATABASE_URL=url)  # slow only on a loaded machine
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"error: CUSTODY_DATABASE_URL: cannot connect to {url}: "
                                    "connection failed: ")
    assert len(result.stderr.splitlines()) == 1
    assert "Custody is running" not in result.stdout


async def _get(app, *paths: str) -> list[httpx.Response]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        return [await c.get(path) for path in paths]


def _unavailable(response: httpx.Response, url: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "https://custody.dev/problems/database-unavailable"
    assert body["detail"].startswith(f"CUSTODY_DATABASE_URL: cannot connect to {url}: ")


async def test_ledger_reads_answer_503_when_the_database_is_unreachable():
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/custody"
    app = create_app(Settings(database_url=url))
    for response in await _get(app, "/ledger/checkpoint", "/readyz", "/ledger/leaves/0"):
        _unavailable(response, url)
    await app.state.engine.dispose()


async def test_the_database_going_away_while_serving_is_503_not_500():
    url = create_pg_database()
    app = create_app(Settings(database_url=url))
    try:
        [ready] = await _get(app, "/readyz")
        assert ready.status_code == 200, ready.text
        drop_pg_database(url)  # terminates the pooled connections too
        for response in await _get(app, "/ledger/checkpoint", "/readyz"):
            _unavailable(response, url)
    finally:
        await app.state.engine.dispose()
        drop_pg_database(url)


async def test_a_sqlite_file_that_cannot_be_opened_is_503(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/gone/custody.db"
    app = create_app(Settings(database_url=url))
    for response in await _get(app, "/ledger/checkpoint", "/readyz"):
        _unavailable(response, url)
    await app.state.engine.dispose()


async def test_a_failing_statement_on_a_live_database_is_still_a_500(tmp_path):
    """Only unreachability is 503: an empty (unmigrated) database is a server error."""
    url = f"sqlite+aiosqlite:///{tmp_path}/empty.db"
    app = create_app(Settings(database_url=url))
    [response] = await _get(app, "/ledger/checkpoint")
    assert response.status_code == 500
    assert response.json()["type"] == "https://custody.dev/problems/internal-error"
    await app.state.engine.dispose()
