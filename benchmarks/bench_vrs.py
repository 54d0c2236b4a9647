"""VRS responder benchmark on PostgreSQL: latency and throughput against ``custody serve``.

N packages of the brand owner (Northwind, the operator) are stored with COPY (not timed);
``custody serve --no-worker`` runs as its own process on a free loopback port; a load generator
in this process keeps ``--concurrency`` requests in flight (httpx over loopback) with a fresh
corrUUID each, so every answer is a real one: authenticate the key, check the requester,
read the unit, append the evidence leaf to the Merkle log and commit (concurrent answers'
leaves in one transaction: ``app.ledger.batch``). Anchor: ``GET
/ledger/leaves/{i}`` (a bare primary-key select) through the same stack, same generator.
Targets: p99 < 20 ms and >= 1,000 requests/s on 2 cores.

    python benchmarks/bench_vrs.py            # 1,000,000 packages; 20,000 requests
    python benchmarks/bench_vrs.py --smoke    # 10,000 packages; 1,000 requests, for CI
    python benchmarks/bench_vrs.py --compare  # first without group commit, then with it
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import anchors, gets, line, load, ratio, serving, store_units  # noqa: E402
from scratch import libpq, scratch_database  # noqa: E402

from app.auth import service as keys  # noqa: E402
from app.db import create_engine, session_factory  # noqa: E402
from app.demo import ATLAS, NORTHWIND, seed  # noqa: E402
from app.models import PartnerGln  # noqa: E402

GTIN, LOT, EXP = "00312345600112", "LB1", "280300"
TARGET = "p99 < 20 ms, >= 1,000 requests/s"


async def requester_key(url: str) -> str:
    engine = create_engine(url)
    async with session_factory(engine).begin() as session:
        await seed(session)
        atlas = (await session.get(PartnerGln, ATLAS.gln)).partner_id
        _, key = await keys.issue(session, atlas, ["verify"], "bench", "bench")
    await engine.dispose()
    return key


def main(units: int, requests: int, concurrency: int, compare: bool) -> None:
    print(f"VRS responder benchmark on PostgreSQL: {units:,} packages stored, {requests:,} "
          f"requests, {concurrency} in flight, load generator and server on this machine "
          f"({os.cpu_count()} CPUs)", flush=True)
    with scratch_database() as url:
        key = asyncio.run(requester_key(url))
        store_units(libpq(url), units, NORTHWIND.gln, GTIN, "0312345", "060011", LOT,
                    date(2028, 3, 31))
        if compare:  # first without group commit: each answer its own transaction
            with serving(url, NORTHWIND.gln, CUSTODY_VRS_GROUP_COMMIT="false") as base:
                send, headers = verify_requests(key, units, requests, seed=8)
                alone = asyncio.run(load(base, requests, send, concurrency, headers))
            print(line("one tx   GET /vrs/verify/... (CUSTODY_VRS_GROUP_COMMIT=false):", *alone),
                  flush=True)
        with serving(url, NORTHWIND.gln) as base:
            asyncio.run(run(base, key, units, requests, concurrency))


def verify_requests(key: str, units: int, requests: int, seed: int = 7):
    """A VRS verify request per call (a random package, a fresh corrUUID) and its headers."""
    rng = random.Random(seed)
    paths = [f"/vrs/verify/gtin/{GTIN}/lot/{LOT}/ser/B{rng.randrange(units)}"
             for _ in range(requests)]

    def params() -> dict[str, str]:
        return {"exp": EXP, "linkType": "verificationService", "context": "dscsaSaleableReturn",
                "reqGLN": ATLAS.gln, "corrUUID": str(uuid.uuid4())}

    return gets(paths, params), {"Authorization": f"Bearer {key}", "GS1US-Version": "1.3.0"}


async def run(base: str, key: str, units: int, requests: int, concurrency: int) -> None:
    send, headers = verify_requests(key, units, requests)
    await load(base, 200, send, concurrency, headers)  # warm up; makes leaves too
    vrs = await load(base, requests, send, concurrency, headers)
    print(line("verify   GET /vrs/verify/... (answer + evidence leaf):", *vrs, target=TARGET),
          flush=True)
    found = await anchors(base, requests, concurrency, leaves=200)
    for name, measured in found.items():
        print(line(name, *measured))
    print(ratio("verify", vrs, list(found.values())[1]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="10,000 packages; 1,000 requests")
    parser.add_argument("--units", type=int, default=None)
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--compare", action="store_true",
                        help="also measure answers without group commit, first")
    args = parser.parse_args()
    main(args.units or (10_000 if args.smoke else 1_000_000),
         args.requests or (1_000 if args.smoke else 20_000), args.concurrency, args.compare)
