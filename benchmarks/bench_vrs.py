"""VRS responder benchmark on PostgreSQL: latency and throughput against ``custody serve``.

N packages of the brand owner (Northwind, the operator) are stored with COPY (not timed);
``custody serve --no-worker`` runs as its own process on a free loopback port; a load generator
in this process keeps ``--concurrency`` requests in flight (httpx over loopback) with a fresh
corrUUID each, so every answer is a real one: authenticate the key, check the requester,
read the unit, append the evidence leaf to the Merkle log and commit. Anchor: ``GET
/ledger/leaves/{i}`` (a bare primary-key select) through the same stack, same generator.
Targets: p99 < 20 ms and >= 1,000 requests/s on 2 cores.

    python benchmarks/bench_vrs.py            # 1,000,000 packages; 20,000 requests
    python benchmarks/bench_vrs.py --smoke    # 10,000 packages; 2,000 requests, for CI
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import libpq, scratch_database  # noqa: E402

from app.auth import service as keys  # noqa: E402
from app.db import create_engine, session_factory  # noqa: E402
from app.demo import ATLAS, NORTHWIND, seed  # noqa: E402
from app.models import PartnerGln  # noqa: E402

GTIN, LOT, EXP = "00312345600112", "LB1", "280300"


def store_units(dsn: str, count: int) -> None:
    """COPY ``count`` received packages of Northwind's GTIN (lot LB1, expiry 2028-03-31)."""
    with psycopg.connect(dsn) as conn:
        custodian = conn.execute("SELECT partner_id FROM partner_glns WHERE gln = %s",
                                 (NORTHWIND.gln,)).fetchone()[0]
        with conn.cursor().copy("COPY units (identifier, kind, gtin, serial, lot, expiry, status,"
                                " custodian_id, updated_at) FROM STDIN") as copy:
            now = datetime.now(UTC)
            for n in range(count):
                copy.write_row((f"urn:epc:id:sgtin:0312345.060011.B{n}", "sgtin", GTIN, f"B{n}",
                                LOT, date(2028, 3, 31), "received", custodian, now))
        conn.execute("ANALYZE units")


async def requester_key(url: str) -> str:
    engine = create_engine(url)
    async with session_factory(engine).begin() as session:
        await seed(session)
        atlas = (await session.get(PartnerGln, ATLAS.gln)).partner_id
        _, key = await keys.issue(session, atlas, ["verify"], "bench", "bench")
    await engine.dispose()
    return key


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


async def load(base: str, paths: list[str], headers: dict, concurrency: int,
               params=None) -> tuple[list[float], float]:
    """Latencies of GET each path (``concurrency`` in flight) and the wall time of all."""
    latencies: list[float] = []
    queue = iter(paths)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                 timeout=30) as http:
        async def worker() -> None:
            for path in queue:
                query = params() if params else None
                started = time.perf_counter()
                response = await http.get(path, params=query)
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


def line(name: str, latencies: list[float], wall: float) -> str:
    p50, p99 = statistics.median(latencies) * 1000, percentile(latencies, 0.99) * 1000
    return f"{name} p50 {p50:.2f} ms, p99 {p99:.2f} ms, {len(latencies) / wall:,.0f} requests/s"


def main(units: int, requests: int, concurrency: int) -> None:
    with scratch_database() as url:
        key = asyncio.run(requester_key(url))
        store_units(libpq(url), units)
        port = _free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "CUSTODY_DATABASE_URL": url,
               "CUSTODY_OPERATOR_GLN": NORTHWIND.gln, "CUSTODY_LOG_LEVEL": "WARNING",
               "CUSTODY_CHECKPOINT_INTERVAL_SECONDS": "0"}
        server = subprocess.Popen(
            [sys.executable, "-c", "from app.cli import main; main()", "serve", "--no-worker",
             "--port", str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        try:
            asyncio.run(run(f"http://127.0.0.1:{port}", key, units, requests, concurrency))
        finally:
            server.terminate()
            server.wait(10)


async def run(base: str, key: str, units: int, requests: int, concurrency: int) -> None:
    for _ in range(300):
        try:
            if (await httpx.AsyncClient().get(f"{base}/healthz")).status_code == 200:
                break
        except httpx.TransportError:
            await asyncio.sleep(0.1)
    rng = random.Random(7)
    paths = [f"/vrs/verify/gtin/{GTIN}/lot/{LOT}/ser/B{rng.randrange(units)}"
             for _ in range(requests)]

    def params() -> dict[str, str]:
        return {"exp": EXP, "linkType": "verificationService", "context": "dscsaSaleableReturn",
                "reqGLN": ATLAS.gln, "corrUUID": str(uuid.uuid4())}

    headers = {"Authorization": f"Bearer {key}", "GS1US-Version": "1.3.0"}
    await load(base, paths[:200], headers, concurrency, params)  # warm up; makes leaves too
    vrs, vrs_wall = await load(base, paths, headers, concurrency, params)
    leaves = [f"/ledger/leaves/{rng.randrange(200)}" for _ in range(requests)]
    anchor, anchor_wall = await load(base, leaves, {}, concurrency)
    bare, bare_wall = await load(base, ["/healthz"] * requests, {}, concurrency)
    print(f"VRS responder benchmark on PostgreSQL: {units:,} packages stored, {requests:,} "
          f"requests, {concurrency} in flight, load generator and server on this machine "
          f"({os.cpu_count()} CPUs)")
    print(line("floor    GET /healthz (no database):", bare, bare_wall))
    print(line("anchor   GET /ledger/leaves/{i} (primary-key select):", anchor, anchor_wall))
    print(line("verify   GET /vrs/verify/... (answer + evidence leaf):", vrs, vrs_wall)
          + " (targets: p99 < 20 ms, >= 1,000 requests/s)")
    print(f"ratio    p50 {statistics.median(vrs) / statistics.median(anchor):.1f}x, "
          f"throughput {(len(anchor) / anchor_wall) / (len(vrs) / vrs_wall):.1f}x fewer than "
          "the anchor")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="10,000 packages; 2,000 requests")
    parser.add_argument("--units", type=int, default=None)
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    main(args.units or (10_000 if args.smoke else 1_000_000),
         args.requests or (2_000 if args.smoke else 20_000), args.concurrency)
