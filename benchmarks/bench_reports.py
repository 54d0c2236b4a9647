"""Report benchmark on PostgreSQL: unit bundles as the ledger grows, PDF, offline verify, lots.

A 20-hop chain (commission, nine round trips Atlas <-> Harbor after Northwind, a dispense) is
captured for a few vials through the real pipeline; background units are appended to the
ledger (a commission hop and a leaf each, as ``ledger.append`` writes them) and stored with
COPY, up to each size in turn; a checkpoint is signed at each size. Measured in process,
through the service (SQL, proofs, TI from the raw documents, JSON encoding):

- the JSON unit bundle of a 20-hop vial, p50/p99, at each size (target: p99 < 200 ms at
  1,000,000 units, barely growing from 10,000); anchor: the ``GET /units/{id}`` read of the
  same vial (``units.get_unit``), in the same run;
- the PDF of that report (target < 2 s); offline verification of its bundle (target < 100 ms);
- a lot of 100,000 units streamed as JSON (target < 5 s), with the peak Python memory of the
  stream beside that of a lot a tenth the size (bounded memory: the two should be close).

    python benchmarks/bench_reports.py            # 10k, 100k, 1M units; lot of 100,000
    python benchmarks/bench_reports.py --smoke    # 10k, 30k units; lot of 30,000, for CI
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import libpq, scratch_database  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db import create_engine, session_factory  # noqa: E402
from app.demo import ATLAS, HARBOR, MASTER_DATA, NORTHWIND, ZENTERVA, ingest, seed, sign_checkpoint  # noqa: E402
from app.ledger import service as ledger  # noqa: E402
from app.ledger.core import HopSpec  # noqa: E402
from app.reports import offline, render, service  # noqa: E402
from app.reports.router import _json  # noqa: E402
from app.units import service as units  # noqa: E402
from app.world.documents import document  # noqa: E402
from app.world.events import commission, dispense, purchase_order, receive, ship  # noqa: E402

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
VIALS = tuple(ZENTERVA.sgtin(f"BR{n:04d}") for n in range(20))
LOT_GTIN, BIG_LOT = "00312345600112", "BIGLOT"


def chain_documents() -> list[tuple[str, bytes]]:
    """20 hops per vial: commission, ship+receive to Atlas, 8 round trips Atlas <-> Harbor
    ... (ship+receive each), ending at Harbor with a dispense."""
    mfg, atlas = NORTHWIND.sgln, ATLAS.sgln
    hour = iter(range(1, 1000))
    at = lambda: T0 + timedelta(hours=next(hour))  # noqa: E731
    docs = [(NORTHWIND.gln, (commission(VIALS, T0, mfg, lot="BR1", expiry=date(2028, 1, 31)),
                             ship(VIALS, at(), mfg, atlas, purchase_order(ATLAS.gln, "PO-B0"),
                                  biz_location=mfg)))]
    docs.append((ATLAS.gln, (receive(VIALS, at(), atlas),)))
    holder, other = (ATLAS, HARBOR)
    for n in range(8):
        docs.append((holder.gln, (ship(VIALS, at(), holder.sgln, other.sgln,
                                       purchase_order(other.gln, f"PO-B{n + 1}"),
                                       biz_location=holder.sgln),)))
        docs.append((other.gln, (receive(VIALS, at(), other.sgln),)))
        holder, other = other, holder
    docs.append((holder.gln, (dispense(VIALS, at(), holder.sgln),)))
    return [(gln, document(*events, fmt="2.0-jsonld", master=MASTER_DATA)) for gln, events in docs]


async def grow(sessions, start: int, end: int, custodian: int) -> None:
    """Background units ``start`` .. ``end - 1``: a commissioning leaf and hop each, and a row."""
    batch = 50_000
    for low in range(start, end, batch):
        high = min(end, low + batch)
        idents = [f"urn:epc:id:sgtin:0312345.060011.G{n}" for n in range(low, high)]
        entries = [ledger.Entry(f"ni:///sha-256;{n:064x}?ver=CBV2.0", T0, NORTHWIND.gln,
                                [HopSpec(i, "commission", None, NORTHWIND.gln, NORTHWIND.sgln, T0)])
                   for n, i in zip(range(low, high), idents, strict=True)]
        async with sessions.begin() as session:
            await ledger.append(session, entries)
            raw = (await (await session.connection()).get_raw_connection()).driver_connection
            async with raw.cursor() as cursor, cursor.copy(
                    "COPY units (identifier, kind, gtin, serial, lot, status, custodian_id, "
                    "updated_at) FROM STDIN") as copy:
                now = datetime.now(UTC)
                for n, ident in zip(range(low, high), idents, strict=True):
                    await copy.write_row((ident, "sgtin", LOT_GTIN, f"G{n}", f"G{n // 5000}",
                                          "commissioned", custodian, now))


def store_lot(dsn: str, count: int, lot: str, custodian: int) -> None:
    with psycopg.connect(dsn) as conn, conn.cursor().copy(
            "COPY units (identifier, kind, gtin, serial, lot, status, custodian_id, "
            "destination_id, updated_at) FROM STDIN") as copy:
        now = datetime.now(UTC)
        for n in range(count):
            copy.write_row((f"urn:epc:id:sgtin:0312345.060011.{lot}{n}", "sgtin", LOT_GTIN,
                            f"{lot}{n}", lot, "shipped" if n % 7 == 0 else "received", custodian,
                            custodian if n % 7 == 0 else None, now))


def analyze(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def ms(samples: list[float]) -> str:
    return (f"p50 {statistics.median(samples) * 1000:7.2f} ms, "
            f"p99 {percentile(samples, 0.99) * 1000:7.2f} ms")


async def timed(work, repeat: int) -> list[float]:
    out = []
    for n in range(repeat):
        started = time.perf_counter()
        await work(n)
        out.append(time.perf_counter() - started)
    return out


def main(sizes: list[int], lot_size: int, repeat: int) -> None:
    with scratch_database() as url, tempfile.TemporaryDirectory() as keys:
        asyncio.run(run(url, keys, sizes, lot_size, repeat))


async def run(url: str, keys: str, sizes: list[int], lot_size: int, repeat: int) -> None:
    if True:
        dsn = libpq(url)
        engine = create_engine(url)
        sessions = session_factory(engine)
        settings = Settings(database_url=url, key_dir=Path(keys))
        async with sessions.begin() as session:
            await seed(session)
            from app.models import PartnerGln

            maker = (await session.get(PartnerGln, NORTHWIND.gln)).partner_id
        await ingest(sessions, chain_documents())
        reader = service.operator_reader("cli:bench")
        print(f"Report benchmark on PostgreSQL: a 20-hop vial's bundle as the ledger grows, "
              f"{repeat} reads per size")
        stored, p99s = len(VIALS), {}
        for size in sizes:
            await grow(sessions, stored, size, maker)
            stored = size
            analyze(dsn)
            await sign_checkpoint(sessions, settings)

            async def bundle(n: int) -> None:
                async with sessions() as session:
                    json.dumps(await service.unit_bundle(session, VIALS[n % len(VIALS)], reader))

            async def anchor(n: int) -> None:
                async with sessions() as session:
                    await units.get_unit(session, reader, VIALS[n % len(VIALS)])

            await bundle(0)
            report, base = await timed(bundle, repeat), await timed(anchor, repeat)
            p99s[size] = percentile(report, 0.99)
            print(f"  {size:>9,} units  bundle {ms(report)}  |  anchor GET /units/{{id}} "
                  f"{ms(base)}  |  ratio p50 {statistics.median(report) / statistics.median(base):.1f}x")
        first, last = sizes[0], sizes[-1]
        print(f"  growth {first:,} -> {last:,} units: p99 x{p99s[last] / p99s[first]:.2f} "
              f"(target: p99 < 200 ms at 1,000,000, barely growing)")

        async with sessions() as session:
            made = await service.unit_bundle(session, VIALS[0], reader)
        hops = len(made["chains"][0]["hops"])
        pdf = [0.0] * 5
        for i in range(5):
            started = time.perf_counter()
            render.unit_pdf(made)
            pdf[i] = time.perf_counter() - started
        pubkey = (Path(keys) / "checkpoint.pub").read_text().strip()
        verify = []
        for _ in range(20):
            started = time.perf_counter()
            offline.verify_bundle(made, pubkey)
            verify.append(time.perf_counter() - started)
        print(f"PDF of the {hops}-hop report: {ms(pdf)} (target < 2 s)")
        print(f"offline verification of its bundle ({len(made['events'])} events, "
              f"{len(made['leaves'])} leaves): {ms(verify)} (target < 100 ms)")

        small = 10_000  # two keyset pages: memory should not grow past this with the lot
        store_lot(dsn, lot_size, BIG_LOT, maker)
        store_lot(dsn, small, "SMALLLOT", maker)
        analyze(dsn)
        async def stream(lot: str) -> int:
            sent = 0
            async with sessions() as session:
                async def pages():
                    async for page in service.lot_units(session, LOT_GTIN, lot, reader):
                        yield page
                async for chunk in _json({"gtin": LOT_GTIN, "lot": lot}, pages()):
                    sent += len(chunk)
            return sent

        started = time.perf_counter()
        sent = await stream(BIG_LOT)
        wall = time.perf_counter() - started
        peaks = {}
        for lot in (BIG_LOT, "SMALLLOT"):  # a second pass: tracing allocations is slow
            tracemalloc.start()
            await stream(lot)
            peaks[lot] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        p1, p2 = peaks[BIG_LOT], peaks["SMALLLOT"]
        print(f"lot of {lot_size:,} units streamed as JSON: {wall:.2f} s, {sent / 1e6:.1f} MB sent "
              f"(target < 5 s); peak Python memory {p1 / 1e6:.1f} MB vs {p2 / 1e6:.1f} MB for a lot "
              f"of {small:,} (x{p1 / p2:.2f} for x{lot_size / small:.0f} the units: bounded)")
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="10k and 30k units; a lot of 30,000")
    parser.add_argument("--repeat", type=int, default=None, help="bundle reads per size")
    args = parser.parse_args()
    from app.logging import configure_logging

    configure_logging("WARNING", False)  # the chain's capture jobs log nothing here
    sizes = [10_000, 30_000] if args.smoke else [10_000, 100_000, 1_000_000]
    main(sizes, 30_000 if args.smoke else 100_000, args.repeat or (40 if args.smoke else 200))
