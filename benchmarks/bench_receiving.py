"""Receiving benchmark on PostgreSQL: scan latency with many units stored, and pallet expansion.

N received packages are stored with COPY (not timed), plus a pallet of 100 cases x 100 units in
transit to the operator. Timed, each in its own transaction as a request has it:

- expansion: the units inside the pallet, walked down the hierarchy by the database
  (``units_inside``), and copying the whole pallet into a receiving's lines (opening it);
- scans: ``app.receiving.service.scan`` of random packages of the pallet (parse the wedge
  text, look the key up in the receiving, record the scan, count what it brought in), and of
  random cases (a case counts its 100 units);
- anchor: a primary-key select of a unit through the same session machinery.

Targets (issue 17): scan p99 < 15 ms with 1,000,000 units stored; expansion < 100 ms.

    python benchmarks/bench_receiving.py            # 1,000,000 packages; 2,000 scans
    python benchmarks/bench_receiving.py --smoke    # 10,000 packages; 200 scans, for CI
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import libpq, scratch_database  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.db import create_engine, session_factory  # noqa: E402
from app.demo import HARBOR, NORTHWIND, seed  # noqa: E402
from app.models import PartnerGln, Receiving, Unit  # noqa: E402
from app.receiving import repository, service  # noqa: E402
from scanners import ProductIdentifier  # noqa: E402

GTIN, LOT, EXPIRY = "00312345600112", "LB1", date(2028, 3, 31)
CASES = UNITS = 100


def store(dsn: str, count: int) -> str:
    """COPY ``count`` received packages and a shipped pallet; return the pallet's EPC URN."""
    now = datetime.now(UTC)
    with psycopg.connect(dsn) as conn:
        ids = dict(conn.execute("SELECT gln, partner_id FROM partner_glns").fetchall())
        maker, harbor = ids[NORTHWIND.gln], ids[HARBOR.gln]
        with conn.cursor().copy("COPY units (identifier, kind, gtin, serial, lot, expiry, status,"
                                " custodian_id, updated_at) FROM STDIN") as copy:
            for n in range(count):
                copy.write_row((f"urn:epc:id:sgtin:0312345.060011.B{n}", "sgtin", GTIN, f"B{n}",
                                LOT, EXPIRY, "received", maker, now))

        def sscc(n: int) -> tuple[str, str]:
            urn = f"urn:epc:id:sscc:0312345.{n:010d}"
            return urn, ProductIdentifier.from_epc_uri(urn).sscc

        def container(n: int, parent: int | None) -> int:
            urn, digits = sscc(n)
            return conn.execute(
                "INSERT INTO units (identifier, kind, sscc, status, custodian_id, destination_id,"
                " parent_id, updated_at) VALUES (%s, 'sscc', %s, 'shipped', %s, %s, %s, %s)"
                " RETURNING id", (urn, digits, maker, harbor, parent, now)).fetchone()[0]

        pallet = container(0, None)
        cases = [container(c, pallet) for c in range(1, CASES + 1)]
        with conn.cursor().copy("COPY units (identifier, kind, gtin, serial, lot, expiry, status,"
                                " custodian_id, destination_id, parent_id, updated_at)"
                                " FROM STDIN") as copy:
            for c, case in enumerate(cases, 1):
                for n in range(UNITS):
                    copy.write_row((f"urn:epc:id:sgtin:0312345.060011.P{c}-{n}", "sgtin", GTIN,
                                    f"P{c}-{n}", LOT, EXPIRY, "shipped", maker, harbor, case, now))
        conn.execute("ANALYZE units")
    return sscc(0)[0]


async def timed(sessions, runs: int, work: Callable[..., Awaitable[object]]) -> list[float]:
    """Milliseconds of ``work(session, i)`` in its own committed transaction, ``runs`` times."""
    out = []
    for i in range(runs):
        start = time.perf_counter()
        async with sessions.begin() as session:
            await work(session, i)
        out.append((time.perf_counter() - start) * 1000)
    return out


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def line(label: str, ms: list[float]) -> str:
    return (f"{label:<52} p50 {statistics.median(ms):7.2f} ms  p99 {percentile(ms, .99):7.2f} ms"
            f"  (n={len(ms)})")


async def run(url: str, count: int, scans: int) -> None:
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        await seed(session)
    pallet = await asyncio.to_thread(store, libpq(url), count)
    async with sessions.begin() as session:
        harbor = (await session.get(PartnerGln, HARBOR.gln)).partner_id
        top_id = await session.scalar(select(Unit.id).where(Unit.identifier == pallet))
    del harbor

    expand = await timed(sessions, 10, lambda s, _: repository.units_inside(s, [pallet]))

    async def open_one(session, _):
        made = await repository.add(session, Receiving(opened_by="bench"))
        await repository.copy_contents(session, made.id, [pallet])
        opened.append(made.id)

    opened: list[int] = []
    copy = await timed(sessions, 3, open_one)
    rid = opened[-1]
    rng = random.Random(17)
    units = [(rng.randint(1, CASES), rng.randrange(UNITS)) for _ in range(scans)]
    texts = [f"01{GTIN}17{EXPIRY:%y%m%d}10{LOT}\x1d21P{c}-{n}" for c, n in units]
    cases = ["(00)" + ProductIdentifier.from_epc_uri(f"urn:epc:id:sscc:0312345.{c:010d}").sscc
             for c in (rng.randint(1, CASES) for _ in range(scans // 10))]
    scan = await timed(sessions, scans, lambda s, i: service.scan(s, rid, texts[i], "bench"))
    case = await timed(sessions, len(cases), lambda s, i: service.scan(s, rid, cases[i], "bench"))
    ids = [top_id + rng.randint(1, CASES) for _ in range(scans)]
    anchor = await timed(sessions, scans, lambda s, i: s.get(Unit, ids[i]))
    await engine.dispose()

    print(f"Receiving benchmark on PostgreSQL: {count:,} packages stored + a pallet of {CASES} "
          f"cases x {UNITS} units")
    print(line("anchor   primary-key select of a unit:", anchor))
    print(line("expand   units inside the pallet (10,000):", expand))
    print(line("open     copy the pallet into a receiving (10,101 lines):", copy))
    print(line("scan     a package of the pallet:", scan))
    print(line("scan     a case (counts its 100 units):", case))
    print(f"ratio    scan p50 {statistics.median(scan) / statistics.median(anchor):.1f}x anchor, "
          f"p99 {percentile(scan, .99) / percentile(anchor, .99):.1f}x; expansion best "
          f"{min(expand):.1f} ms (target < 100 ms), scan p99 {percentile(scan, .99):.1f} ms "
          "(target < 15 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="10,000 packages, 200 scans (CI)")
    parser.add_argument("--units", type=int, help="packages stored (default 1,000,000)")
    parser.add_argument("--scans", type=int, help="scans timed (default 2,000)")
    args = parser.parse_args()
    count = args.units or (10_000 if args.smoke else 1_000_000)
    scans = args.scans or (200 if args.smoke else 2_000)
    with scratch_database() as url:
        asyncio.run(run(url, count, scans))


if __name__ == "__main__":
    main()
