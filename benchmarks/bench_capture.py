"""Capture and unit-lookup benchmark on PostgreSQL, each figure against an anchor from the same run.

1. Capture: one EPCIS 1.2 XML document in which the brand owner commissions 10 SGTINs per
   ObjectEvent (partners and products onboarded as ``custody demo`` does) is stored as a
   capture job, then the worker's ``run_once`` takes it to ``succeeded``: parse, hash, rules,
   events, EPCs, parties, units, custody hops and ledger leaves in one transaction. Anchor:
   ``epcis.read`` parse-only over the same bytes. Targets: >= 5,000 events/s and >= 25% of
   the anchor.
2. ``GET /units/{identifier}`` through the real app (httpx ASGI transport, a real API key)
   for random identifiers among the stored units (topped up with COPY to the wanted count;
   setup is not timed). Anchor: a bare primary-key select of the same row with psycopg.
   Target: p99 < 20 ms.

    python benchmarks/bench_capture.py            # 100,000 events; 1,000,000 units
    python benchmarks/bench_capture.py --smoke    # 2,000 events; 50,000 units, for CI
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratch import libpq, scratch_database  # noqa: E402

from app.auth import service as keys  # noqa: E402
from app.capture.service import capture  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import create_engine, session_factory  # noqa: E402
from app.demo import PARTNERS, seed  # noqa: E402
from app.ingest.worker import run_once  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import PartnerGln  # noqa: E402
from epcis.model import Action, Document, Element, Event, EventType, Location  # noqa: E402
from epcis.read import iter_events  # noqa: E402
from epcis.write import write_document  # noqa: E402

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
CBV, MDA = "urn:epcglobal:cbv:", "urn:epcglobal:cbv:mda"
ITEMS = ("060011", "060022")  # the two demo products of company prefix 0312345
PER_EVENT = 10


def document(events: int) -> bytes:
    """The brand owner commissions ``PER_EVENT`` SGTINs per ObjectEvent (EPCIS 1.2 XML)."""
    mfg = PARTNERS[0].gln
    site = Location(f"urn:epc:id:sgln:{mfg[:7]}.{mfg[7:12]}.0")
    made = []
    for n in range(events):
        item, lot = ITEMS[n % 2], f"L{n // 1000:05d}"
        made.append(Event(
            EventType.OBJECT, T0 + timedelta(seconds=n), "-05:00",
            epc_list=tuple(f"urn:epc:id:sgtin:0312345.{item}.{n * PER_EVENT + k}"
                           for k in range(PER_EVENT)),
            action=Action.ADD, biz_step=CBV + "bizstep:commissioning",
            disposition=CBV + "disp:active", read_point=site, biz_location=site,
            ilmd=(Element(MDA, "lotNumber", lot, prefix="cbvmda"),
                  Element(MDA, "itemExpirationDate", "2028-03-31", prefix="cbvmda"))))
    return write_document(Document("1.2", creation_date=T0, events=tuple(made)), "1.2-xml")


def parse_only(body: bytes) -> tuple[float, int]:
    """Seconds to read every event of ``body`` into the model (best of two)."""
    best, count = float("inf"), 0
    for _ in range(2):
        started = time.perf_counter()
        count = sum(1 for _ in iter_events(body))
        best = min(best, time.perf_counter() - started)
    return best, count


async def bench_capture(url: str, events: int) -> None:
    body = document(events)
    anchor, parsed = parse_only(body)
    assert parsed == events
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await seed(session)
        mfg = (await session.get(PartnerGln, PARTNERS[0].gln)).partner_id
        job_id = (await capture(session, body, "application/xml", mfg)).job.id
    started = time.perf_counter()
    job = await run_once(sessions, job_id)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    assert (job.status, job.event_count, job.errors) == ("succeeded", events, []), job.errors
    floor, rows = await asyncio.to_thread(copy_floor, libpq(url))
    rate, anchor_rate = events / elapsed, events / anchor
    print(f"capture benchmark on PostgreSQL: {events:,} commissioning events x {PER_EVENT} EPCs, "
          f"{len(body) / 1e6:.0f} MB EPCIS 1.2 XML")
    print(f"anchor  epcis.read parse-only, same bytes: {anchor_rate:,.0f} events/s")
    print(f"capture {rate:,.0f} events/s ({elapsed:.1f} s, stored job -> succeeded; target >= 5,000)"
          f" = {rate / anchor_rate:.1%} of the parse-only anchor (target >= 25%)")
    print(f"floor   binary COPY of the {rows:,} rows it wrote into unconstrained copies of the "
          f"tables (indexes, no foreign keys or triggers): {floor:.1f} s = "
          f"{events / floor:,.0f} events/s; capture takes {elapsed / floor:.1f}x the floor")


FLOOR_TABLES = ("units", "epcis_events", "event_epcs", "event_parties", "custody_hops",
                "ledger_leaves", "ledger_nodes")


def copy_floor(dsn: str) -> tuple[float, int]:
    """Seconds the server takes to COPY in the rows a capture wrote (read out first, not timed).

    Each table is copied into ``CREATE TABLE ... (LIKE ... INCLUDING ALL)``: the same columns,
    defaults and indexes, without foreign keys or triggers: what any capture must pay.
    """
    elapsed, count = 0.0, 0
    with psycopg.connect(dsn) as conn:
        for table in FLOOR_TABLES:
            with conn.cursor().copy(f"COPY {table} TO STDOUT (FORMAT BINARY)") as out:
                blocks = list(out)
            count += conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            conn.execute(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
            conn.commit()
            started = time.perf_counter()
            with conn.cursor().copy(f"COPY floor_{table} FROM STDIN (FORMAT BINARY)") as copy:
                for block in blocks:
                    copy.write(block)
            conn.commit()
            elapsed += time.perf_counter() - started
            conn.execute(f"DROP TABLE floor_{table}")
            conn.commit()
    return elapsed, count


def top_up(dsn: str, wanted: int) -> tuple[list[str], list[int]]:
    """COPY units until ``wanted`` are stored; return every identifier and id (not timed)."""
    with psycopg.connect(dsn) as conn:
        have = conn.execute("SELECT count(*) FROM units").fetchone()[0]
        custodian = conn.execute("SELECT partner_id FROM partner_glns WHERE gln = %s",
                                 (PARTNERS[0].gln,)).fetchone()[0]
        with conn.cursor().copy(
            "COPY units (identifier, kind, gtin, serial, lot, status, custodian_id, updated_at)"
            " FROM STDIN"
        ) as copy:
            now = datetime.now(UTC)
            for n in range(wanted - have):
                serial = f"X{n}"
                copy.write_row((f"urn:epc:id:sgtin:0312345.060011.{serial}", "sgtin",
                                "00312345600113", serial, "LX", "commissioned", custodian, now))
        conn.execute("ANALYZE units")
        rows = conn.execute("SELECT identifier, id FROM units").fetchall()
    return [r[0] for r in rows], [r[1] for r in rows]


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


async def bench_units(url: str, units: int, requests: int) -> None:
    dsn = libpq(url)
    identifiers, ids = await asyncio.to_thread(top_up, dsn, units)
    rng = random.Random(7)
    picks = [rng.randrange(len(identifiers)) for _ in range(requests)]

    anchor = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for i in picks:
            started = time.perf_counter()
            conn.execute("SELECT * FROM units WHERE id = %s", (ids[i],)).fetchone()
            anchor.append(time.perf_counter() - started)

    app = create_app(Settings(database_url=url, log_level="WARNING"))
    async with app.router.lifespan_context(app):
        async with app.state.sessions() as session, session.begin():
            mfg = (await session.get(PartnerGln, PARTNERS[0].gln)).partner_id
            _, key = await keys.issue(session, mfg, ["query"], "bench", "bench")
        headers = {"Authorization": f"Bearer {key}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://custody.bench") as http:
            for i in picks[:50]:  # warm the pool and the caches
                (await http.get(f"/units/{identifiers[i]}", headers=headers)).raise_for_status()
            latency = []
            for i in picks:
                started = time.perf_counter()
                response = await http.get(f"/units/{identifiers[i]}", headers=headers)
                latency.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
                assert response.json()["identifier"] == identifiers[i]
    ms = 1000
    print(f"units benchmark: {len(identifiers):,} units stored, {requests:,} GET /units/{{identifier}}")
    print(f"anchor  psycopg primary-key select: p50 {statistics.median(anchor) * ms:.2f} ms, "
          f"p99 {percentile(anchor, 0.99) * ms:.2f} ms")
    p50, p99 = statistics.median(latency), percentile(latency, 0.99)
    print(f"units   GET p50 {p50 * ms:.2f} ms, p99 {p99 * ms:.2f} ms (target p99 < 20 ms) = "
          f"{p50 / statistics.median(anchor):.1f}x / {p99 / percentile(anchor, 0.99):.1f}x the anchor")



def main(events: int, units: int, requests: int) -> None:
    """Run against a fresh PostgreSQL database, dropped afterwards."""
    with scratch_database() as url:
        asyncio.run(bench_capture(url, events))
        asyncio.run(bench_units(url, units, requests))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="2,000 events; 50,000 units")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--units", type=int, default=None)
    parser.add_argument("--requests", type=int, default=None)
    args = parser.parse_args()
    main(args.events or (2_000 if args.smoke else 100_000),
         args.units or (50_000 if args.smoke else 1_000_000),
         args.requests or (300 if args.smoke else 2_000))
