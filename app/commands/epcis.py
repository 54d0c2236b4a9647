"""`custody epcis ...`: validate, hash, convert and read the DSCSA content of EPCIS files.

Exit codes: 0 fine, 1 findings of severity error (validate, dscsa), 2 unreadable input
(one line naming line/column or JSON pointer, never a traceback).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any, NoReturn

import typer

from epcis.errors import EpcisError

app = typer.Typer(help="Validate, hash and convert EPCIS documents.", no_args_is_help=True)

FILE = typer.Argument(..., help="EPCIS document: 1.2 XML, 2.0 XML or 2.0 JSON-LD (sniffed).")
JSON_OPT = typer.Option(False, "--json", help="Print JSON instead of text.")


class Format(StrEnum):
    """Output formats of ``convert``."""

    XML_12 = "1.2-xml"
    XML_20 = "2.0-xml"
    JSONLD_20 = "2.0-jsonld"


def jsonable(value: Any) -> Any:
    """Dataclasses, datetimes, decimals and tuples as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        from epcis.xml_write import format_time

        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(jsonable(data), indent=2, ensure_ascii=False))


def _unreadable(exc: EpcisError | OSError, as_json: bool) -> NoReturn:
    if isinstance(exc, EpcisError):
        detail: dict[str, Any] = exc.to_dict()
        line = str(exc)
    else:  # OSError: missing file, permission ...
        detail = {"message": f"cannot read the file: {exc.strerror or exc}",
                  "found": str(getattr(exc, "filename", "") or "")}
        line = f"cannot read the file: {exc.strerror or exc} ({detail['found']})"
    if as_json:
        _echo_json({"error": detail})
    else:
        typer.echo(f"error: {' '.join(line.split())}", err=True)
    raise typer.Exit(2)


def _read(path: Path, as_json: bool):  # noqa: ANN202 - Document
    from epcis.read import read_document

    try:
        return read_document(path)
    except (EpcisError, OSError) as exc:
        _unreadable(exc, as_json)


def _finding_line(f: Any) -> str:
    where = "document" if f.event_index is None else f"event {f.event_index}"
    return f"{f.severity}: {where}, {f.field}: {f.code}: {f.message}"


def _repeats(doc: Any, as_json: bool) -> set[int]:
    """Indexes of events whose event hash an earlier event of ``doc`` already has."""
    from epcis.hashing import event_hash

    seen: set[str] = set()
    out = set()
    try:
        for index, event in enumerate(doc.events):
            digest = event_hash(event)
            if digest in seen:
                out.add(index)
            seen.add(digest)
    except EpcisError as exc:
        _unreadable(exc, as_json)
    return out


def _as_capture_sees(f: Any, refused: bool, held: dict[str, str]) -> Any:
    """``f`` as an error when capture refuses for it, else as a warning.

    A missing lot or expiry is a warning here: capture refuses it only when the units Custody
    already holds lack that value too, which a file alone cannot tell.
    """
    if refused:
        return f
    note = (f" (capture refuses it if the units Custody holds lack their {held[f.code]} too)"
            if f.code in held else "")
    return dataclasses.replace(f, severity="warning", message=f.message + note)


@app.command()
def validate(file: Path = FILE, as_json: bool = JSON_OPT) -> None:
    """Say what capture would do with FILE: refuse it unreadable (exit 2), refuse it for the
    DSCSA findings listed as errors (exit 1), or accept it (exit 0; findings as warnings)."""
    from epcis.dscsa import HELD_BY_CUSTODY, check, verdict

    doc = _read(file, as_json)
    repeats = _repeats(doc, as_json)  # capture stores these once and checks only the first
    v = verdict(doc)
    refused = [f for f in v.refusals if f.event_index not in repeats]
    findings = [_as_capture_sees(f, f in refused, HELD_BY_CUSTODY) for f in check(doc)]
    errors = [f for f in findings if f.severity == "error"]
    if as_json:
        _echo_json({"valid": not errors, "events": len(doc.events), "findings": findings})
    else:
        for f in findings:
            typer.echo(_finding_line(f))
        typer.echo(f"{file}: {len(doc.events)} events, {len(errors)} errors, "
                   f"{len(findings) - len(errors)} warnings")
    if errors:
        raise typer.Exit(1)


@app.command("hash")
def hash_(file: Path = FILE, as_json: bool = JSON_OPT) -> None:
    """Print the CBV 2.0 event hash of every event in document order (streams the file).

    Output is written as each event is hashed, so memory stays flat however long the
    document. With ``--json``, an error after the first event closes the array of the
    hashes read so far and is reported as one line on stderr (exit 2).
    """
    from epcis.hashing import event_hash
    from epcis.read import iter_events

    out = sys.stdout  # buffered: one flush at the end, not one per event
    started = False
    try:
        for index, event in enumerate(iter_events(file)):
            value = event_hash(event)
            if not as_json:
                out.write(f"{index}\t{value}\n")
                continue
            out.write(",\n" if started else "[\n")
            out.write(f'  {{\n    "index": {index},\n    "eventHash": {json.dumps(value)}\n  }}')
            started = True
    except (EpcisError, OSError) as exc:
        if started:
            out.write("\n]\n")
        out.flush()
        _unreadable(exc, as_json and not started)
    if as_json:
        out.write("\n]\n" if started else "[]\n")


@app.command()
def convert(
    file: Path = FILE,
    to: Format = typer.Option(..., "--to", help="Output format."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write here instead of stdout."),
) -> None:
    """Convert FILE to another EPCIS syntax (meaning is kept; see ADR 0004 for 1.2 limits)."""
    from epcis.write import write_document

    doc = _read(file, False)
    try:
        data = write_document(doc, to.value)
    except EpcisError as exc:
        _unreadable(exc, False)
    if output is None:
        typer.echo(data, nl=False)
    else:
        output.write_bytes(data)


@app.command()
def dscsa(file: Path = FILE, as_json: bool = JSON_OPT) -> None:
    """Extract the DSCSA TI/TS of each shipment in FILE, with findings."""
    from epcis.dscsa import check, extract_transactions

    doc = _read(file, as_json)
    transactions = extract_transactions(doc)
    findings = check(doc)
    if as_json:
        _echo_json({"transactions": transactions, "findings": findings})
    else:
        for tx in transactions:
            typer.echo(f"transaction at event {tx.event_index}: shipped {jsonable(tx.shipment_date)}")
            for role, party in (("seller", tx.seller), ("buyer", tx.buyer)):
                name = party.address.name if party and party.address else None
                typer.echo(f"  {role}: {party.id if party else '-'} {name or ''}".rstrip())
            for p in tx.products:
                typer.echo(f"  {jsonable(p.number_of_containers)} x {p.product_name or '?'} {p.strength or ''} "
                           f"{p.dosage_form or ''} NDC {p.ndc or '?'} lots {', '.join(p.lots) or '?'} "
                           f"expiry {', '.join(d.isoformat() for d in p.expiries) or '?'}")
            affirmed = tx.statement is not None and tx.statement.affirmed
            typer.echo(f"  statement: {'affirmed' if affirmed else 'missing or not affirmed'}")
        for f in findings:
            typer.echo(_finding_line(f))
    if any(f.severity == "error" for f in findings):
        raise typer.Exit(1)
