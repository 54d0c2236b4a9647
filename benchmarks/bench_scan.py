"""Scan & verify benchmark on PostgreSQL: ``POST /scans/verify`` against ``custody serve``.

N packages of Northwind (the operator here) are stored with COPY (not timed); ``custody serve
--no-worker`` runs as its own process; a load generator in this process keeps
``--concurrency`` requests in flight over loopback, each with a picker's personal API key
(authenticate, the account's roles, parse, read the unit and its flags, store the scan,
commit). Two kinds: wedge-scanner text (``]d2`` + GS-separated element string) and a 640x480
PNG frame holding one GS1 DataMatrix (decoded off the event loop). Anchor: ``GET
/ledger/leaves/{i}`` (a bare primary-key select) through the same stack, same generator.
Targets: text p99 < 15 ms, image p99 < 60 ms.

    python benchmarks/bench_scan.py            # 1,000,000 packages; 10,000 text, 2,000 images
    python benchmarks/bench_scan.py --smoke    # 10,000 packages; 500 text, 100 images, for CI
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import os
import random
import sys
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import anchors, line, load, ratio, serving, store_units  # noqa: E402
from scratch import libpq, scratch_database  # noqa: E402

from app.db import create_engine, session_factory  # noqa: E402
from app.demo import NORTHWIND, seed  # noqa: E402
from app.ledger import service as ledger  # noqa: E402
from app.staff.keys import issue_staff_key  # noqa: E402
from app.staff.service import add_staff  # noqa: E402
from scanners import ProductIdentifier, datamatrix_png  # noqa: E402
from tests.scanners.synth import frame  # noqa: E402

GTIN, LOT, EXPIRY = "00312345600112", "LB1", date(2028, 3, 31)
LEAVES = 200  # for the anchor's primary-key reads
IMAGES = 50  # distinct frames (rendering is not timed); requests cycle through them


async def picker_key(url: str) -> str:
    """Seed the demo partners, leaves for the anchor to read, and a picker's personal key (the
    key scans as a person would)."""
    engine = create_engine(url)
    async with session_factory(engine).begin() as session:
        await seed(session)
        now = datetime.now(UTC)
        await ledger.append(session, [
            ledger.Entry(f"ni:///sha-256;{hashlib.sha256(b'%d' % n).hexdigest()}?type=bench", now,
                         NORTHWIND.gln) for n in range(LEAVES)])
        await add_staff(session, "bench", "Bench Picker", ["picker"], "bench password 1234", "bench")
        _, key = await issue_staff_key(session, "bench", [], "bench", "bench")
    await engine.dispose()
    return key


def wedge(serial: str) -> str:
    return f"]d201{GTIN}21{serial}\x1d10{LOT}\x1d17{EXPIRY:%y%m%d}"


def frames(units: int, count: int) -> list[bytes]:
    """640x480 PNG frames, one GS1 DataMatrix (4 px modules) each, of random packages."""
    from PIL import Image

    rng = random.Random(3)
    out = []
    for n in range(count):
        product = ProductIdentifier(gtin=GTIN, serial=f"B{rng.randrange(units)}", lot=LOT,
                                    expiry=EXPIRY)
        symbol = Image.open(io.BytesIO(datamatrix_png(product, module_px=4, text=False)))
        buffer = io.BytesIO()
        frame(symbol.convert("L"), seed=n).save(buffer, format="PNG")
        out.append(buffer.getvalue())
    return out


def main(units: int, texts: int, images: int, concurrency: int) -> None:
    with scratch_database() as url:
        key = asyncio.run(picker_key(url))
        store_units(libpq(url), units, NORTHWIND.gln, GTIN, "0312345", "060011", LOT, EXPIRY)
        pngs = frames(units, min(IMAGES, images))
        with serving(url, NORTHWIND.gln) as base:
            asyncio.run(run(base, key, units, texts, images, pngs, concurrency))


async def run(base: str, key: str, units: int, texts: int, images: int, pngs: list[bytes],
              concurrency: int) -> None:
    rng = random.Random(5)
    serials = [f"B{rng.randrange(units)}" for _ in range(texts)]
    verdicts: Counter[str] = Counter()

    async def text(http: httpx.AsyncClient, i: int) -> httpx.Response:
        response = await http.post("/scans/verify", json={"text": wedge(serials[i])})
        verdicts[response.json().get("verdict")] += 1
        return response

    async def image(http: httpx.AsyncClient, i: int) -> httpx.Response:
        response = await http.post("/scans/verify", files={
            "image": ("frame.png", pngs[i % len(pngs)], "image/png")})
        verdicts[response.json().get("verdict")] += 1
        return response

    headers = {"Authorization": f"Bearer {key}"}
    await load(base, 100, text, concurrency, headers)  # warm up
    await load(base, 20, image, concurrency, headers)
    verdicts.clear()
    print(f"Scan & verify benchmark on PostgreSQL: {units:,} packages stored, {texts:,} text and "
          f"{images:,} image requests, {concurrency} in flight, load generator and server on "
          f"this machine ({os.cpu_count()} CPUs)", flush=True)
    scanned = await load(base, texts, text, concurrency, headers)
    print(line("text     POST /scans/verify (wedge text):", *scanned, target="p99 < 15 ms"),
          flush=True)
    photographed = await load(base, images, image, concurrency, headers)
    print(line("image    POST /scans/verify (640x480 PNG):", *photographed, target="p99 < 60 ms"),
          flush=True)
    print(f"verdicts {dict(verdicts)}")
    found = await anchors(base, texts, concurrency, leaves=LEAVES)
    for name, measured in found.items():
        print(line(name, *measured))
    anchor = list(found.values())[1]
    print(ratio("text", scanned, anchor))
    print(ratio("image", photographed, anchor))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="10,000 packages; 500 text and 100 image requests")
    parser.add_argument("--units", type=int, default=None)
    parser.add_argument("--texts", type=int, default=None)
    parser.add_argument("--images", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    main(args.units or (10_000 if args.smoke else 1_000_000),
         args.texts or (500 if args.smoke else 10_000),
         args.images or (100 if args.smoke else 2_000), args.concurrency)
