"""What the HTTP benchmarks share: a ``custody serve`` on a scratch PostgreSQL database, a
loopback load generator, and the anchor (a bare primary-key select through the same stack)."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent

Send = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]
"""One request of a run: ``send(client, i)`` for the run's i-th request."""


def store_units(dsn: str, count: int, custodian_gln: str, gtin: str, company: str, ref: str,
                lot: str, expiry: date) -> None:
    """COPY ``count`` received packages ``B0..B{count-1}`` of ``gtin`` held by ``custodian_gln``
    (not timed: the data a run needs, as fast as PostgreSQL takes it)."""
    with psycopg.connect(dsn) as conn:
        custodian = conn.execute("SELECT partner_id FROM partner_glns WHERE gln = %s",
                                 (custodian_gln,)).fetchone()[0]
        with conn.cursor().copy("COPY units (identifier, kind, gtin, serial, lot, expiry, status,"
                                " custodian_id, updated_at) FROM STDIN") as copy:
            now = datetime.now(UTC)
            for n in range(count):
                copy.write_row((f"urn:epc:id:sgtin:{company}.{ref}.B{n}", "sgtin", gtin, f"B{n}",
                                lot, expiry, "received", custodian, now))
        conn.execute("ANALYZE units")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(url: str, operator_gln: str, **env: str) -> Iterator[str]:
    """``custody serve --no-worker`` on ``url`` in its own process; yields its base URL."""
    port = free_port()
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "CUSTODY_DATABASE_URL": url,
               "CUSTODY_OPERATOR_GLN": operator_gln, "CUSTODY_LOG_LEVEL": "WARNING",
               "CUSTODY_CHECKPOINT_INTERVAL_SECONDS": "0", **env}
    server = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "serve", "--no-worker",
         "--port", str(port)], env=environ, cwd=ROOT, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(_ready(base))
        yield base
    finally:
        server.terminate()
        server.wait(10)


async def _ready(base: str) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(600):
            try:
                if (await http.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"custody serve did not answer {base}/healthz in 60 s")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


async def load(base: str, requests: int, send: Send, concurrency: int,
               headers: dict | None = None) -> tuple[list[float], float]:
    """Latencies of ``requests`` calls of ``send`` (``concurrency`` in flight, every answer
    must be 200) and the wall time of all."""
    latencies: list[float] = []
    queue = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers or {}, limits=limits,
                                 timeout=30) as http:
        async def worker() -> None:
            for i in queue:
                started = time.perf_counter()
                try:
                    response = await send(http, i)
                except (httpx.ReadError, httpx.RemoteProtocolError):
                    # A keep-alive connection the server closed as the request went out (its
                    # idle timeout, on a starved machine): once more, on a new connection.
                    response = await send(http, i)
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


def gets(paths: list[str], params: Callable[[], dict] | None = None) -> Send:
    """GET ``paths[i]`` (with fresh ``params()`` each time)."""
    async def send(http: httpx.AsyncClient, i: int) -> httpx.Response:
        return await http.get(paths[i % len(paths)], params=params() if params else None)
    return send


async def anchors(base: str, requests: int, concurrency: int,
                  leaves: int) -> dict[str, tuple[list[float], float]]:
    """The floor (``/healthz``, no database) and the anchor (``GET /ledger/leaves/{i}``, a bare
    primary-key select) through the same stack; the log must hold ``leaves`` leaves."""
    rng = random.Random(11)
    paths = [f"/ledger/leaves/{rng.randrange(leaves)}" for _ in range(requests)]
    return {"floor    GET /healthz (no database):":
            await load(base, requests, gets(["/healthz"]), concurrency),
            "anchor   GET /ledger/leaves/{i} (primary-key select):":
            await load(base, requests, gets(paths), concurrency)}


def line(name: str, latencies: list[float], wall: float, target: str = "") -> str:
    p50, p99 = statistics.median(latencies) * 1000, percentile(latencies, 0.99) * 1000
    shown = f"{name} p50 {p50:.2f} ms, p99 {p99:.2f} ms, {len(latencies) / wall:,.0f} requests/s"
    return shown + (f" (targets: {target})" if target else "")


def ratio(name: str, measured: tuple[list[float], float],
          anchor: tuple[list[float], float]) -> str:
    (lat, wall), (alat, awall) = measured, anchor
    return (f"ratio    {name}: p50 {statistics.median(lat) / statistics.median(alat):.1f}x, "
            f"p99 {percentile(lat, 0.99) / percentile(alat, 0.99):.1f}x the anchor; throughput "
            f"{(len(alat) / awall) / (len(lat) / wall):.1f}x fewer")
