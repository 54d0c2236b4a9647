"""Benchmark cold-chain evaluation against sorting the same readings, and logger uploads
against the csv module reading the same file, in the same run.

Usage: python benchmarks/bench_coldchain.py [--smoke]

Figures: assessing N one-minute logger readings (with excursions and gaps) against 2-8 °C,
parsing the same readings from a logger CSV, and drawing the chart, each with the anchor
(sorting the readings by time, the least any assessment must do) and the ratio. Then the
whole upload (``coldchain.service.upload``: parse, store, assess, open the investigation) of
that CSV on a case of three vials on SQLite and on a scratch PostgreSQL database, against
``csv.reader`` over the same text (the least any upload must do).
Targets (issue 19): 100,000 sensor readings evaluated in < 1 s; uploaded in well under 2 s.

Measured in session 8 (2-core machine shared with other agents, back-to-back runs):
before, SQLite 3,653 ms (16.1x the csv.reader anchor), PostgreSQL 3,697 ms (16.3x), parse
10.6x the sort anchor; after, SQLite 1,169 ms (8.0x), PostgreSQL 1,123 ms (7.6x), parse 4.1x.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratch import scratch_database  # noqa: E402

from app.coldchain import service  # noqa: E402
from app.coldchain.chart import svg  # noqa: E402
from app.coldchain.evaluate import StorageRange, assess, chronological  # noqa: E402
from app.coldchain.readings import Reading, from_csv  # noqa: E402
from app.db import create_engine, session_factory  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import Product, Unit, UnitStatus  # noqa: E402

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def readings(n: int) -> list[Reading]:
    rng = random.Random(7)
    out, temp = [], 5.0
    for i in range(n):
        temp = min(max(temp + rng.uniform(-0.3, 0.3), -2), 14)
        minutes = i + (180 if i >= n // 2 else 0)  # one logger gap
        out.append(Reading(T0 + timedelta(minutes=minutes), round(temp, 2)))
    rng.shuffle(out)
    return out


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


GTIN = "00312345600110"


async def _uploads(url: str, body: bytes, repeats: int) -> tuple[float, str]:
    """The best time of ``repeats`` uploads of ``body``, each on a fresh case of three vials."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        session.add(Product(gtin=GTIN, ndc="12345-6001-1", proprietary_name="Zenterva",
                            manufacturer_name="Northwind", company_prefix_length=7,
                            storage_low_c=2, storage_high_c=8, excursion_budget_minutes=60))
    times, verdict = [], ""
    for n in range(repeats):
        async with sessions.begin() as session:
            case = Unit(identifier=f"urn:epc:id:sscc:0312345.000000000{n}", kind="sscc",
                        sscc=f"03123450000000000{n}", status=UnitStatus.RECEIVED)
            session.add(case)
            await session.flush()
            session.add_all(Unit(identifier=f"urn:epc:id:sgtin:0312345.060011.C{n}V{v}",
                                 kind="sgtin", gtin=GTIN, serial=f"C{n}V{v}", parent_id=case.id,
                                 status=UnitStatus.RECEIVED) for v in range(3))
        start = time.perf_counter()
        async with sessions.begin() as session:
            found = await service.upload(session, case.identifier, body, "text/csv", "bench",
                                         None, None)
        times.append(time.perf_counter() - start)
        verdict = f"{found.verdict}, investigation {found.investigation_id}"
    await engine.dispose()
    return min(times), verdict


def uploads(csv_text: str, n: int, repeats: int) -> None:
    body = csv_text.encode()
    anchor = best(lambda: list(csv.reader(io.StringIO(csv_text))), repeats)
    print(f"anchor  csv.reader over the same {len(body) / 1e6:.1f} MB file: {anchor * 1000:.1f} ms")
    with tempfile.TemporaryDirectory() as folder:
        sqlite = f"sqlite+aiosqlite:///{folder}/bench.db"
        upgrade(sqlite)
        figures = {"SQLite": asyncio.run(_uploads(sqlite, body, repeats))}
    with scratch_database() as url:
        figures["PostgreSQL"] = asyncio.run(_uploads(url, body, repeats))
    for name, (seconds, verdict) in figures.items():
        scaled = seconds * 100_000 / n
        print(f"upload  {name}: {seconds * 1000:.0f} ms ({seconds / anchor:.1f}x anchor; {verdict});"
              f" 100,000 readings < 2 s: {scaled:.2f} s scaled -> "
              f"{'met' if scaled < 2 else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="10k readings (< 10 s)")
    args = parser.parse_args()
    n, repeats = (10_000, 3) if args.smoke else (100_000, 5)
    data = readings(n)
    fridge = StorageRange(2, 8, timedelta(minutes=60))
    csv_text = "time,temperature\n" + "".join(f"{r.time.isoformat()},{r.celsius}\n" for r in data)
    anchor = best(lambda: chronological(data), repeats)
    t_assess = best(lambda: assess(data, fridge), repeats)
    result = assess(data, fridge)
    t_parse = best(lambda: from_csv(csv_text), repeats)
    t_chart = best(lambda: svg(data, fridge, result), repeats)
    print(f"cold chain benchmark: {n:,} readings, Python {sys.version.split()[0]}")
    print(f"anchor  sorting the readings by time: {anchor * 1000:.1f} ms")
    print(f"assess  {t_assess * 1000:.1f} ms ({t_assess / anchor:.1f}x anchor; target < 1 s at "
          f"100k): {len(result.excursions)} excursions, {len(result.gaps)} gap, "
          f"{result.outside.total_seconds() / 60:.0f} min outside, MKT {result.mkt} °C")
    print(f"parse   logger CSV {t_parse * 1000:.1f} ms ({t_parse / anchor:.1f}x anchor)")
    print(f"chart   SVG {t_chart * 1000:.1f} ms ({t_chart / anchor:.1f}x anchor)")
    scaled = t_assess * 100_000 / n
    print(f"target  100,000 readings in < 1 s: {scaled:.2f} s scaled -> "
          f"{'met' if scaled < 1 else 'MISSED'}")
    uploads(csv_text, n, 3)


if __name__ == "__main__":
    main()
