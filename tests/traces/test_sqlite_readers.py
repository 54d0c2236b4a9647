"""Audited reads on SQLite while another writer commits: each waits for the write lock
instead of failing with "database is locked" (a read-then-write transaction cannot wait)."""

import asyncio
from datetime import timedelta

import httpx

from app.auth import service as auth
from app.config import Settings
from app.db import create_engine, session_factory
from app.demo import VIALS, ingest_chain, seed
from app.ledger import core
from app.ledger import service as ledger
from app.main import create_app
from app.migrate import upgrade


def test_audited_reads_wait_for_a_concurrent_writer(empty_database):
    url = empty_database("sqlite")
    upgrade(url)

    async def run() -> list[int]:
        engine = create_engine(url)
        sessions = session_factory(engine)
        async with sessions.begin() as session:
            await seed(session)
        await ingest_chain(sessions)
        signer, _ = core.generate_signer("custody.test/log")
        async with sessions.begin() as session:
            _, key = await auth.issue(session, None, ["regulator"], "t", "t")
        app = create_app(Settings(database_url=url))
        transport = httpx.ASGITransport(app=app)

        async def writer() -> None:
            for _ in range(15):
                async with sessions.begin() as session:  # locks the log first: a writer
                    await ledger.sign_if_due(session, signer, "custody.test/log", timedelta(0))
                await asyncio.sleep(0)

        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            async def read() -> int:
                response = await http.get(f"/units/{VIALS[0]}/chain",
                                          headers={"Authorization": f"Bearer {key}"})
                return response.status_code

            *codes, _ = await asyncio.gather(*(read() for _ in range(30)), writer())
        await app.state.engine.dispose()
        await engine.dispose()
        return codes

    assert asyncio.run(run()) == [200] * 30
