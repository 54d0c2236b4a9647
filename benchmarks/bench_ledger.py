"""Ledger storage benchmark on PostgreSQL: append rate, proof latency, `verify` rate.

Every figure is printed next to an anchor measured in the same run: bare ``hashlib``
SHA-256 over the same number and sizes of hashes the ledger computes.

    python benchmarks/bench_ledger.py            # 1,000,000 leaves (several minutes)
    python benchmarks/bench_ledger.py --smoke    # 20,000 leaves, for CI
    python benchmarks/bench_ledger.py --random-serials   # serials as manufacturers issue them

Serials are the leaf number by default, so units sort roughly in insertion order and verify
walks the hop table nearly in physical order. Randomized serials (GS1's recommendation, and
what real ledgers hold) make that walk a random read of the table.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratch import scratch_database  # noqa: E402

from app.db import create_engine, session_factory  # noqa: E402
from app.ledger import core, service  # noqa: E402
from app.ledger.verify import verify  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def serial(n: int, random: bool) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()[:12].upper() if random else str(n)


def entries(start: int, count: int, random: bool = False) -> list[service.Entry]:
    return [
        service.Entry(
            f"ni:///sha-256;{n:064x}?ver=CBV2.0",
            T0 + timedelta(milliseconds=n),
            "urn:epc:id:pgln:0312345.00000",
            (
                core.HopSpec(
                    f"urn:epc:id:sgtin:0312345.060011.{serial(n, random)}",
                    "commission",
                    None,
                    "urn:epc:id:pgln:0312345.00000",
                    None,
                    T0,
                ),
            ),
        )
        for n in range(start, start + count)
    ]


def bare_hashlib(leaves: int, leaf_bytes: int, hop_bytes: int) -> float:
    """Seconds for the SHA-256 work a ledger of ``leaves`` does: hop, leaf and node hashes."""
    leaf, hop, node = b"x" * (leaf_bytes + 1), b"y" * (hop_bytes + 32), b"z" * 65
    sha = hashlib.sha256
    started = time.perf_counter()
    for _ in range(leaves):
        sha(hop).digest()
        sha(leaf).digest()
        sha(node).digest()
    return time.perf_counter() - started



async def run(url: str, size: int, batch: int, samples: int, random: bool) -> None:
    if True:
        engine = create_engine(url)
        factory = session_factory(engine)
        sample = entries(0, 1, random)[0]
        leaf_len = len(
            core.leaf_data(sample.event_hash, sample.record_time, sample.partner, [bytes(32)])
        )
        hop = core.Hop(
            sample.hops[0].unit,
            0,
            sample.event_hash,
            "commission",
            None,
            sample.partner,
            None,
            T0,
            core.GENESIS,
        )
        hop_len = len(core.canonical_hop(hop))
        anchor = bare_hashlib(size, leaf_len, hop_len)
        anchor_rate = size / anchor
        serials = "randomized" if random else "sequential"
        print(
            f"ledger benchmark on PostgreSQL, {size:,} leaves (1 hop each, {serials} serials), "
            f"batches of {batch}"
        )
        print(f"anchor  bare hashlib for the same hashes: {anchor_rate:,.0f} leaves/s")

        elapsed, signed = 0.0, []
        signer, verifier = core.generate_signer("bench.example/log")
        for start in range(0, size, batch):
            batch_entries = entries(start, min(batch, size - start), random)  # not timed
            started = time.perf_counter()
            async with factory() as session, session.begin():
                await service.append(session, batch_entries)
            elapsed += time.perf_counter() - started
            async with factory() as session, session.begin():  # proofs are of signed trees
                await service.sign_checkpoint(session, signer, "bench.example/log")
            signed.append(start + len(batch_entries))
        print(
            f"append  {size / elapsed:,.0f} leaves/s (target >= 20,000) = "
            f"{size / elapsed / anchor_rate:.1%} of the hashlib anchor"
        )

        async with factory() as session:
            import random

            rng = random.Random(7)
            inc, con = [], []
            for _ in range(samples):
                i = rng.randrange(size)
                t = time.perf_counter()
                proof = await service.inclusion_proof(session, None, leaf_index=i)
                inc.append(time.perf_counter() - t)
                m = rng.choice(signed)
                t = time.perf_counter()
                await service.consistency_proof(session, m, size)
                con.append(time.perf_counter() - t)
            root = await service.root_at(session, size)
            core.verify_inclusion(proof.leaf_hash, proof.leaf_index, size, proof.hashes, root)
            t = time.perf_counter()
            for _ in range(100):
                core.verify_inclusion(proof.leaf_hash, proof.leaf_index, size, proof.hashes, root)
            hashing = (time.perf_counter() - t) / 100
        print(
            f"proof   inclusion median {statistics.median(inc) * 1000:.2f} ms, consistency median "
            f"{statistics.median(con) * 1000:.2f} ms at {size:,} leaves (target < 10 ms); "
            f"anchor: hashing one audit path {hashing * 1000:.3f} ms"
        )

        async with factory() as session:
            t = time.perf_counter()
            report = await verify(session, verifier)
            elapsed = time.perf_counter() - t
        assert report.ok, report.mismatch
        print(
            f"verify  {size / elapsed:,.0f} leaves/s ({elapsed:.1f} s) = "
            f"{size / elapsed / anchor_rate:.1%} of the hashlib anchor (target >= 25%)"
        )
        await engine.dispose()


def main(size: int, batch: int, samples: int, random: bool) -> None:
    """Run against a fresh PostgreSQL database, dropped afterwards."""
    with scratch_database() as url:
        asyncio.run(run(url, size, batch, samples, random))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="20,000 leaves")
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--random-serials", action="store_true", help="randomized serials")
    args = parser.parse_args()
    size = args.size or (20_000 if args.smoke else 1_000_000)
    main(size, args.batch, 50 if args.smoke else 500, args.random_serials)
