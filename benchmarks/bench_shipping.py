"""Shipping benchmark on PostgreSQL: ship 10,000 units packed in 100 SSCC cases.

Setup (not timed): the demo's partners; Northwind commissions the units (100 per event) and
ships them to Harbor, the operator, which receives them, all through the capture pipeline; a
shipment to Lyon gets 100 cases whose units are put in directly (scanning is not measured).

Timed:
1. closing the 100 cases: an AggregationEvent ADD each through the operator's ledger path;
2. shipping: the outbound document (commissioning history, aggregations, the shipping event
   with TI/TS) built from the ledger and submitted through the ingest rules and ledger;
3. writing both outbound documents (EPCIS 1.2 XML with SBDH, EPCIS 2.0 JSON-LD) from the ledger.

Target: 2 + 3 < 3 s; the shares spent in the ledger path (capture, rules, hops, leaves) and in
document writing are printed. Anchor: ``write_document`` of the same 2.0 JSON-LD document alone.

    python benchmarks/bench_shipping.py            # 10,000 units in 100 cases
    python benchmarks/bench_shipping.py --smoke    # 500 units in 10 cases, for CI
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratch import scratch_database  # noqa: E402

from app.bulk import insert_rows  # noqa: E402
from app.capture.service import capture  # noqa: E402
from app.db import create_engine, session_factory  # noqa: E402
from app.demo import HARBOR, LYON, MASTER_DATA, NORTHWIND, ZENTERVA, _at, seed  # noqa: E402
from app.ingest.worker import run_once  # noqa: E402
from app.models import CaseUnit, PartnerGln, Unit  # noqa: E402
from app.operator import service as operator_service  # noqa: E402
from app.shipments import service  # noqa: E402
from app.shipments.demo import EXPIRY, LOT  # noqa: E402
from app.world.documents import document  # noqa: E402
from app.world.events import commission, purchase_order, receive, ship  # noqa: E402

SPENT: dict[str, float] = defaultdict(float)


def timed(name: str, fn):
    """``fn`` adding its wall time to ``SPENT[name]`` (for the shares; behaviour unchanged)."""
    async def async_wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            SPENT[name] += time.perf_counter() - started

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            SPENT[name] += time.perf_counter() - started

    return async_wrapper if asyncio.iscoroutinefunction(fn) else wrapper


async def stock(sessions, units: tuple[str, ...]) -> None:
    mfg, harbor = NORTHWIND.sgln, HARBOR.sgln
    made = [commission(units[i:i + 100], _at(300), mfg, lot=LOT, expiry=EXPIRY)
            for i in range(0, len(units), 100)]
    order = purchase_order(HARBOR.gln, "PO-BENCH")
    for gln, body in ((NORTHWIND.gln, document(*made, ship(units, _at(301), mfg, harbor, order,
                                                           biz_location=mfg), master=MASTER_DATA)),
                      (HARBOR.gln, document(receive(units, _at(320), harbor), master=MASTER_DATA))):
        async with sessions.begin() as session:
            partner = (await session.get(PartnerGln, gln)).partner_id
            made_job = await capture(session, body, None, partner)
        job = await run_once(sessions, made_job.job.id)
        assert job is not None and job.status == "succeeded", job.errors if job else None


async def run(url: str, units_count: int, cases_count: int) -> float:
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        await seed(session)
    units = tuple(ZENTERVA.sgtin(f"B{n:07d}") for n in range(units_count))
    await stock(sessions, units)
    per_case = units_count // cases_count
    async with sessions.begin() as session:
        op = await operator_service.operator(session, HARBOR.gln)
        sid = (await service.create_shipment(session, op, service.ShipmentSpec(
            LYON.gln, order_number="NPP-BENCH"), "bench")).shipment.id
        ids = dict((await session.execute(
            Unit.__table__.select().with_only_columns(Unit.identifier, Unit.id)
            .where(Unit.identifier.in_(units)))).all())
        case_ids = [(await service.add_case(session, op, sid, "bench")).case.id
                    for _ in range(cases_count)]
        await insert_rows(session, CaseUnit.__table__, [
            {"case_id": case_ids[i // per_case], "unit_id": ids[u], "active": True,
             "scan_id": None, "scanned_by": "bench", "scanned_at": _at(330)}
            for i, u in enumerate(units)])

    started = time.perf_counter()
    async with sessions.begin() as session:
        for case_id in case_ids:
            await service.close_case(session, op, sid, case_id, "bench")
    closing = time.perf_counter() - started

    service.submit = timed("ledger", service.submit)
    service.write_document = timed("write", service.write_document)
    service.documents.build = timed("build", service.documents.build)
    SPENT.clear()
    started = time.perf_counter()
    async with sessions.begin() as session:
        await service.ship(session, op, sid, "bench")
    shipping = time.perf_counter() - started
    sizes = {}
    started = time.perf_counter()
    async with sessions() as session:
        for fmt in service.FORMATS:
            sizes[fmt] = len(await service.outbound(session, op, sid, fmt))
    documents = time.perf_counter() - started
    await engine.dispose()

    total = shipping + documents
    print(f"shipping benchmark on PostgreSQL: {units_count:,} units in {cases_count} cases "
          f"({per_case} each)")
    print(f"close   {cases_count} cases, an AggregationEvent each through the ledger: "
          f"{closing:.2f} s ({closing / cases_count * 1000:.1f} ms per case)")
    print(f"ship    outbound document built from the ledger and submitted through the rules "
          f"and ledger: {shipping:.2f} s")
    print(f"write   both outbound documents from the ledger: {documents:.2f} s "
          f"(1.2 XML {sizes['1.2-xml']:,} bytes, 2.0 JSON-LD {sizes['2.0-jsonld']:,} bytes)")
    ledger, write, build = SPENT["ledger"], SPENT["write"], SPENT["build"]
    print(f"shares  ledger path {ledger / total:.0%} ({ledger:.2f} s), document writing "
          f"{write / total:.0%} ({write:.2f} s), reading the history back from the ledger "
          f"{build / total:.0%} ({build:.2f} s)")
    print(f"total   ship + both documents {total:.2f} s (target < 3 s)")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, for CI")
    args = parser.parse_args()
    units, cases = (500, 10) if args.smoke else (10_000, 100)
    with scratch_database() as url:
        asyncio.run(run(url, units, cases))


if __name__ == "__main__":
    main()
