"""PHI scan benchmark on PostgreSQL: no patient detail outside the vault in a 100,000-unit ledger.

Setup: the demo's partners; background units stored in bulk, a commissioning leaf and custody
hop each (as ``bench_reports`` grows its ledger); then named-patient cases with distinctive
fictional patients go through the flow in process, through the real services: case opened and
authorized, patient details and a consent document sealed in the vault, a shipment for the case
packed and shipped (link and shipping event carry the commitment), the receiver's confirmation
(a receiving event in the ledger), an adverse-event report and its E2B product block, a
patient-data read, a subject-access export and the retention job. Every log line (DEBUG) is
captured.

Timed: the scan (``tests.phi.scan``, as ``tests/cases/test_phi.py`` runs it): ``pg_dump
--data-only`` of every table, then each patient's name, its parts and birth date searched in the
dump (by table) and in the logs; its search alone, again. Anchors from the same run:
``pg_dump`` alone, and ``grep -F -i -c`` of the same details over the dump written to a file. Exits 1 if a detail is found (or the search would miss one).

    python benchmarks/bench_phi.py            # 100,000 units, 10 patients
    python benchmarks/bench_phi.py --smoke    # 5,000 units, 3 patients, for CI
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_reports import grow  # noqa: E402
from scratch import libpq, scratch_database  # noqa: E402

from app.adverse import service as adverse  # noqa: E402
from app.cases import service as cases  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import create_engine, session_factory  # noqa: E402
from app.delivery import service as delivery  # noqa: E402
from app.demo import ACTOR, LYON, NORTHWIND, OPERATOR, ZENTERVA, ingest, seed  # noqa: E402
from app.logging import configure_logging  # noqa: E402
from app.models import PartnerGln, Pathway  # noqa: E402
from app.operator.service import operator  # noqa: E402
from app.shipments import service as shipments  # noqa: E402
from app.shipments.demo import fresh_vials, scan_text, stock_documents  # noqa: E402
from app.staff.service import Actor  # noqa: E402
from app.vault import service as vault  # noqa: E402
from app.vault.keys import add_key_file_entry, load_keyring  # noqa: E402
from tests.phi import scan, search  # noqa: E402

FIRST = ("Quillonette", "Brisbane", "Ottavia", "Zephyrine", "Marguerite", "Ignatius", "Thaddea",
         "Cordelio", "Wilhelmina", "Evander")
LAST = ("Vexmorrow", "Pemberquist", "Soltanovich", "Dravensworth", "Kilbarrack", "Yarrowfield",
        "Mortlemayne", "Quastenberg", "Farrowdale", "Ulverscroft")
ADMIN = vault.Reader("bench", frozenset({"admin"}))


def patient(n: int) -> tuple[str, date]:
    return f"{FIRST[n % 10]} {LAST[n % 10]}-{LAST[(n + 3) % 10]}", date(1940 + n, 1 + n % 12, 3 + n)


def details(patients: list[tuple[str, date]]) -> list[str]:
    """What is searched: each full name, its parts, each birth date."""
    found = []
    for name, born in patients:
        found += [name, *name.replace("-", " ").split(), born.isoformat()]
    return found


async def one_case(sessions, settings: Settings, n: int, vials: tuple[str, str]) -> None:
    """Patient ``n`` through the flow, from opening the case to the subject-access export."""
    name, born = patient(n)
    ring, secret = load_keyring(settings), settings.session_secret.get_secret_value()
    today = date.today()
    async with sessions.begin() as session:
        case = await cases.open_case(session, cases.CaseSpec(
            "FR", Pathway.NAMED_PATIENT, "Dr. Bench Prescriber", f"RPPS-B{n}", "FR", ZENTERVA.ndc,
            2, LYON.gln, authorization=cases.Authorization(
                f"AAC-B{n}", today - timedelta(days=1), today + timedelta(days=90))), ACTOR)
        ref = case.ref
        await cases.authorize(session, ref, None, ACTOR)
        await vault.put_patient(session, ring, case, vault.PatientData(
            name, born, f"Zenterva for {name}", f"{name}: no local alternative"), ADMIN)
        await vault.add_document(session, ring, case, "consent", f"consent {name}.txt",
                                 "text/plain", f"I, {name}, born {born}, consent".encode(), ADMIN)
        op = await operator(session, settings.operator_gln)
        sid = (await shipments.create_shipment(session, op, shipments.ShipmentSpec(
            LYON.gln, order_number=f"NPP-B{n}", case_ref=ref), ACTOR)).shipment.id
        box = (await shipments.add_case(session, op, sid, ACTOR)).case.id
        for vial in vials:
            await shipments.pack_scan(session, op, sid, box, scan_text(vial), None, Actor(ACTOR))
        await shipments.close_case(session, op, sid, box, ACTOR)
        await shipments.ship(session, op, sid, ACTOR, ring=ring)
        _, token = await delivery.issue_link(session, ref, ACTOR, secret)
    async with sessions.begin() as session:
        case = await cases.get(session, ref)
        await delivery.confirm(session, token, secret, delivery.Confirmation(
            "Dr. R. Eceiver", "hospital pharmacist", "HCL", "intact", True),
            await vault.commitment(session, ring, case))
        event = await adverse.record(session, ref, adverse.AdverseSpec(
            "Dr. A. Reporter", "physician", today, "serious", "Rash after the second dose",
            "recovering", ("hospitalisation",), identifier=vials[0]), ADMIN)
        await adverse.product_block(session, event.id, ADMIN)
        assert (await vault.read_patient(session, ring, case, ADMIN)).patient.name == name
        exported = await vault.export(session, ring, case, ADMIN, {"ref": ref})
        assert exported["patient"]["name"] == name  # the vault does hold it


def grep_anchor(dump: str, searched: list[str]) -> float:
    """Seconds ``grep -F -i -c`` takes for ``searched`` over the dump as a file."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as out:
        out.write(dump)
        out.flush()
        args = ["grep", "-F", "-i", "-c", *(x for s in searched for x in ("-e", s)), out.name]
        started = time.perf_counter()
        found = subprocess.run(args, capture_output=True, text=True)
        took = time.perf_counter() - started
    assert found.stdout.strip() == "0", f"grep found {found.stdout.strip()} line(s)"
    return took


async def build(url: str, settings: Settings, units: int, patients: int) -> tuple[float, float]:
    """The database: seeds, ``units`` background units, ``patients`` cases through the flow;
    returns the seconds the units and the flow took."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        await seed(session)
        maker = (await session.get(PartnerGln, NORTHWIND.gln)).partner_id
    started = time.perf_counter()
    await grow(sessions, 0, units, maker)
    grown = time.perf_counter() - started
    started = time.perf_counter()
    vials = fresh_vials(2 * patients, "PH")
    await ingest(sessions, stock_documents(vials, hours=300))
    for n in range(patients):
        await one_case(sessions, settings, n, vials[2 * n:2 * n + 2])
    async with sessions.begin() as session:
        await vault.run_retention(session, "bench")
    await engine.dispose()
    return grown, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="5,000 units, 3 patients")
    units, patients = (5_000, 3) if parser.parse_args().smoke else (100_000, 10)
    logs = io.StringIO()
    configure_logging("DEBUG")
    logging.getLogger().handlers[0].setStream(logs)  # type: ignore[attr-defined]
    searched = details([patient(n) for n in range(patients)])
    with scratch_database() as url, tempfile.TemporaryDirectory() as keys:
        key_file = Path(keys) / "vault.keys"
        add_key_file_entry(key_file)
        settings = Settings(database_url=url, operator_gln=OPERATOR.gln, key_dir=Path(keys),
                            vault_key_file=key_file, session_secret="bench-phi-secret-0123456789")
        grown, flowed = asyncio.run(build(url, settings, units, patients))
        assert "vault retention ran" in logs.getvalue(), "the logs were not captured"
        started = time.perf_counter()
        done = scan(url, logs.getvalue(), searched)
        scanned = time.perf_counter() - started
        started = time.perf_counter()
        subprocess.run(["pg_dump", "--data-only", libpq(url)], capture_output=True, check=True)
        dumped = time.perf_counter() - started
        grep = grep_anchor(done.dump, searched)
    started = time.perf_counter()
    assert search(done.dump, searched) + search(logs.getvalue(), searched) == done.hits
    search_only = time.perf_counter() - started
    name, _ = patient(0)
    vacuous = not search(f"COPY public.t (x) FROM stdin;\n{name.upper()}\n\\.\n", searched)
    size = len(done.dump.encode()) / 1e6
    print(f"PHI scan benchmark on PostgreSQL: {units:,} units (a leaf and a hop each), "
          f"{patients} named patients through the flow ({len(searched)} details searched)")
    print(f"setup   units {grown:.1f} s, the patients' flow {flowed:.1f} s (not timed)")
    print(f"scan    pg_dump + every table + {len(logs.getvalue().splitlines()):,} log lines: "
          f"{scanned:.2f} s ({done.tables} tables, {done.rows:,} rows, {size:.1f} MB); "
          f"searching {search_only:.2f} s, {done.rows / search_only:,.0f} rows/s")
    print(f"anchor  pg_dump --data-only alone {dumped:.2f} s; grep -F -i -c over the dump file "
          f"{grep:.3f} s")
    print(f"ratio   scan {scanned / dumped:.2f}x pg_dump alone; search {search_only / grep:.1f}x "
          "grep")
    print(f"found   {', '.join(f'{h.detail!r} in {h.where}' for h in done.hits) or 'nothing'}"
          " (target: nothing outside the vault's seals)")
    if done.hits or vacuous:
        print("FAILED: " + ("patient data outside the vault" if done.hits else
                            "the search misses a planted name"))
        sys.exit(1)


if __name__ == "__main__":
    main()
