"""EPCIS read and event-hash benchmark, each figure against an anchor measured in the same run.

    python benchmarks/bench_epcis.py [--smoke]

1. Parse an EPCIS 1.2 XML file of ObjectEvents (10 EPCs each) into the model with
   ``iter_events`` vs a bare ``lxml.etree.iterparse`` pass that only clears (target >= 50%).
2. Event hashing (``event_hash``) events/s on one core vs bare hashlib SHA-256 over the same
   pre-hash strings (target >= 20,000 events/s).
3. Peak RSS of a subprocess streaming a large file through ``iter_events`` + ``event_hash``
   (target < 200 MB for 1,000,000 events; ``--smoke`` uses a smaller file and says so).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import epcis.dl as dl_mod  # noqa: E402
import epcis.hashing as hashing_mod  # noqa: E402
from epcis.hashing import event_hash, prehash  # noqa: E402
from epcis.read import iter_events  # noqa: E402

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" schemaVersion="1.2" creationDate="2024-05-01T08:00:00Z">
  <EPCISBody>
    <EventList>
"""
EVENT = """      <ObjectEvent>
        <eventTime>2024-05-01T{h:02d}:{m:02d}:{s:02d}.{ms:03d}-04:00</eventTime>
        <eventTimeZoneOffset>-04:00</eventTimeZoneOffset>
        <epcList>
{epcs}        </epcList>
        <action>OBSERVE</action>
        <bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>
        <disposition>urn:epcglobal:cbv:disp:in_transit</disposition>
        <readPoint><id>urn:epc:id:sgln:0614141.00777.0</id></readPoint>
        <bizLocation><id>urn:epc:id:sgln:0614141.00777.0</id></bizLocation>
        <bizTransactionList>
          <bizTransaction type="urn:epcglobal:cbv:btt:po">urn:epcglobal:cbv:bt:0614141000005:PO{n}</bizTransaction>
        </bizTransactionList>
      </ObjectEvent>
"""
TAIL = """    </EventList>
  </EPCISBody>
</epcis:EPCISDocument>
"""


def generate(path: Path, count: int) -> None:
    """Write ``count`` ObjectEvents with 10 SGTIN EPCs each."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEAD)
        for n in range(count):
            epcs = "".join(
                f"          <epc>urn:epc:id:sgtin:0614141.{(n % 50):06d}.{n * 10 + k}</epc>\n"
                for k in range(10)
            )
            fh.write(EVENT.format(h=n // 3600 % 24, m=n // 60 % 60, s=n % 60, ms=n % 1000,
                                  epcs=epcs, n=n))
        fh.write(TAIL)


def bare_iterparse(path: Path) -> int:
    count = 0
    for _, el in etree.iterparse(str(path), tag="ObjectEvent"):
        count += 1
        el.clear()
    return count


def model_parse(path: Path) -> int:
    count = 0
    for _ in iter_events(path):
        count += 1
    return count


def best(fn, *args, repeat: int = 3) -> tuple[float, object]:  # noqa: ANN001
    """Best of ``repeat`` runs in CPU seconds (other processes share this machine)."""
    times, result = [], None
    for _ in range(repeat):
        start = time.process_time()
        result = fn(*args)
        times.append(time.process_time() - start)
    return min(times), result


RSS_CHILD = """
import resource, sys
sys.path.insert(0, {root!r})
from epcis.read import iter_events
from epcis.hashing import event_hash
n = 0
for e in iter_events({path!r}):
    event_hash(e)
    n += 1
print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
BASE_CHILD = """
import resource, sys
sys.path.insert(0, {root!r})
import epcis.read, epcis.hashing
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def child(code: str, path: Path | None = None) -> list[str]:
    # Run before this process allocates much: Linux carries the parent's RSS at fork into
    # the child's ru_maxrss, so a large parent would inflate the child's figure.
    return subprocess.run([sys.executable, "-c", code.format(root=str(ROOT), path=str(path))],
                          check=True, capture_output=True, text=True).stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, < 60 s")
    args = parser.parse_args()
    n_parse = 20_000 if args.smoke else 100_000
    n_rss = 100_000 if args.smoke else 1_000_000

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / f"events-{n_rss}.xml"
        generate(big, n_rss)
        note = " (--smoke: smaller file; the target is for 1,000,000)" if args.smoke else ""
        start = time.perf_counter()
        count, rss_kb = (int(x) for x in child(RSS_CHILD, big))
        elapsed = time.perf_counter() - start
        base = int(child(BASE_CHILD)[0]) / 1024
        rss = rss_kb / 1024
        print(f"[rss] streamed {count:,} events ({big.stat().st_size / 1e6:.0f} MB, 1.2 XML) "
              f"through iter_events + event_hash in {elapsed:.1f} s{note}")
        print(f"[rss] anchor: interpreter + epcis imports, peak RSS {base:.0f} MB")
        print(f"[rss] peak RSS (ru_maxrss) {rss:.0f} MB (target < 200 MB), "
              f"{rss / base:.1f}x the anchor")
        big.unlink()

        small = Path(tmp) / f"events-{n_parse}.xml"
        generate(small, n_parse)
        size_mb = small.stat().st_size / 1e6
        print(f"test file: {n_parse:,} ObjectEvents x 10 EPCs, EPCIS 1.2 XML, {size_mb:.1f} MB; "
              "rates in CPU time, best of 3")
        t_bare, c_bare = best(bare_iterparse, small)
        t_model, c_model = best(model_parse, small)
        assert c_bare == c_model == n_parse, (c_bare, c_model)
        bare_rate, model_rate = n_parse / t_bare, n_parse / t_model
        print(f"[parse] anchor lxml iterparse clear-only: {bare_rate:,.0f} events/s")
        print(f"[parse] iter_events -> model:            {model_rate:,.0f} events/s")
        print(f"[parse] ratio {model_rate / bare_rate:.0%} of the anchor (target >= 50%)")

        events = list(iter_events(small))
        pres = [prehash(e) for e in events]
        def hash_all() -> list[str]:
            # Start cold: a value cache warmed by the previous repetition would flatter us.
            hashing_mod._cache.clear()
            dl_mod._cache.clear()
            return [event_hash(e) for e in events]

        t_hash, _ = best(hash_all)
        t_sha, _ = best(lambda: [hashlib.sha256(p.encode("utf-8")).hexdigest() for p in pres])
        hash_rate, sha_rate = len(events) / t_hash, len(events) / t_sha
        avg = sum(map(len, pres)) / len(pres)
        print(f"[hash] anchor hashlib sha256 over the same pre-hash strings ({avg:.0f} B): "
              f"{sha_rate:,.0f}/s")
        print(f"[hash] event_hash (pre-hash + sha256), one core: {hash_rate:,.0f} events/s "
              f"(target >= 20,000/s)")
        print(f"[hash] ratio {hash_rate / sha_rate:.1%} of the anchor")


if __name__ == "__main__":
    main()
