"""Benchmark cold-chain evaluation against sorting the same readings, in the same run.

Usage: python benchmarks/bench_coldchain.py [--smoke]

Figures: assessing N one-minute logger readings (with excursions and gaps) against 2-8 °C,
parsing the same readings from a logger CSV, and drawing the chart, each with the anchor
(sorting the readings by time, the least any assessment must do) and the ratio.
Target (issue 19): 100,000 sensor readings evaluated in < 1 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.coldchain.chart import svg  # noqa: E402
from app.coldchain.evaluate import StorageRange, assess, chronological  # noqa: E402
from app.coldchain.readings import Reading, from_csv  # noqa: E402

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


if __name__ == "__main__":
    main()
