"""A receiving Custody (its own SQLite database, its own server) and documents to push to it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from app.db import create_engine, session_factory
from app.migrate import upgrade
from app.world.documents import document
from app.world.events import commission
from app.world.partners import sgln
from tests.partners.helpers import MFG_GLN, chain_partners
from tests.process import free_port, serving


def commissioning(serial: str = "OUT1") -> bytes:
    """Northwind (the sender) commissions one unit: a document the receiver accepts."""
    when = datetime(2026, 12, 1, 9, tzinfo=UTC)
    return document(commission([f"urn:epc:id:sgtin:0312345.060011.{serial}"], when,
                               sgln(MFG_GLN), lot="L1"))


@contextmanager
def receiver(tmp: Path) -> Iterator[tuple[str, str, str]]:
    """``custody serve`` on its own database: (capture URL, Northwind's capture key there,
    its admin key)."""
    url = f"sqlite+aiosqlite:///{tmp / 'receiver.db'}"
    upgrade(url)

    async def seed() -> tuple[str, str]:
        from tests.partners.helpers import make_key

        engine = create_engine(url)
        async with session_factory(engine)() as session:
            partners = await chain_partners(session)
            admin = await make_key(session, None, "admin")
            await session.commit()
        await engine.dispose()
        return (partners["mfg"][1]["Authorization"].removeprefix("Bearer "),
                admin["Authorization"])

    key, admin = asyncio.run(seed())
    with serving(CUSTODY_DATABASE_URL=url, CUSTODY_CHECKPOINT_INTERVAL_SECONDS="0") as base:
        yield f"{base}/capture", key, admin


def jobs(capture_url: str, admin: str) -> list[dict]:
    """The receiver's capture jobs (one per distinct document it keeps)."""
    answer = httpx.get(capture_url, headers={"Authorization": admin}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


@contextmanager
def swallowing_proxy(target: str) -> Iterator[tuple[str, threading.Event]]:
    """A proxy to ``target`` that forwards the first request, then never answers it (the
    event is set once the receiver has answered); later requests pass through."""
    forwarded, release, seen = threading.Event(), threading.Event(), []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() in ("content-type", "authorization")}
            answer = httpx.post(target, content=body, headers=headers, timeout=30)
            seen.append(answer.status_code)
            if len(seen) == 1:
                forwarded.set()
                release.wait(60)  # the sender hears nothing: killed while it waits
                return
            self.send_response(answer.status_code)
            for name in ("content-type", "location"):
                if name in answer.headers:
                    self.send_header(name, answer.headers[name])
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        def log_message(self, *args) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/capture", forwarded
    finally:
        release.set()
        server.shutdown()
        server.server_close()
