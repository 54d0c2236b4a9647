"""``custody report unit|lot|verify``: provenance reports, and the offline bundle verifier.

``verify`` needs only the bundle and the public key: it imports :mod:`app.reports.offline`
(``epcis`` and the pure ledger core), never the database or the service.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(help="Provenance reports and their offline-verifiable proof bundles.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
FORMATS = ("json", "html", "pdf", "csv")


def _read(value: str, what: str) -> str:
    """A key or a note given as text, or as a file holding it."""
    path = Path(value)
    try:
        return path.read_text() if path.is_file() else value
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"{what}: cannot read {path}: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command("verify")
def verify(
    bundle: Path = typer.Argument(..., help="A proof bundle (JSON), or - for standard input."),
    key: str = typer.Option(..., help="The log's verifier key (text, or a file such as checkpoint.pub)."),
    since: str | None = typer.Option(
        None, help="A signed checkpoint note you already hold (file): prove the log only grew since."),
) -> None:
    """Recompute a bundle's event hashes, hop chains, leaf hashes, inclusion proofs and the
    checkpoint signature; exit 1 naming the first thing that does not match."""
    from app.reports.offline import BundleError, read_bundle, verify_bundle

    try:
        text = sys.stdin.buffer.read() if str(bundle) == "-" else bundle.read_bytes()
    except OSError as exc:
        typer.echo(f"bundle: cannot read {bundle}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    held = None if since is None else _read(since, "--since").rstrip("\n") + "\n"
    try:
        done = verify_bundle(read_bundle(text), _read(key, "--key").strip(), held)
    except BundleError as exc:
        typer.echo(f"MISMATCH {exc}")
        raise typer.Exit(1) from None
    since_text = f"; consistent with your checkpoint of {done.consistent_from} leaves" if (
        done.consistent_from is not None) else ""
    typer.echo(f"bundle verified: {done.subject}: {done.hops} hops, {done.events} events, "
               f"{done.leaves} leaves in {done.origin} tree size {done.tree_size} root "
               f"{done.root_hash}{since_text}")


@app.command("unit")
def unit(
    identifier: str = typer.Argument(..., help="EPC URN, GS1 Digital Link or element string."),
    format: str = typer.Option("json", "--format", "-f", help="json (the proof bundle), html, pdf or csv."),  # noqa: A002
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here (default: standard output)."),
    since_size: int | None = typer.Option(None, help="Add a consistency proof from this signed size."),
) -> None:
    """A unit's provenance report, as the operator (every unit)."""
    if format not in FORMATS:
        typer.echo(f"--format: expected one of {', '.join(FORMATS)}, got {format!r}", err=True)
        raise typer.Exit(2)
    from app.commands._runtime import run
    from app.config import load_settings
    from app.reports import render, service

    async def work(sessions: Any) -> dict[str, Any]:
        async with sessions() as session:
            reader = service.operator_reader(f"cli:{getpass.getuser()}")
            return await service.unit_bundle(session, identifier, reader, since_size=since_size)

    bundle = run(load_settings(), work)
    if format == "pdf":
        data: bytes = render.unit_pdf(bundle)
    elif format == "csv":
        data = render.unit_csv(bundle).encode()
    elif format == "html":
        from app.web.router import templates

        data = templates.env.get_template("report_unit.html").render(
            render.html_context(bundle)).encode()
    else:
        data = (json.dumps(bundle, indent=2) + "\n").encode()
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        out.write_bytes(data)
        typer.echo(f"wrote {format} report of {bundle['report']['subject']} to {out}", err=True)


@app.command("lot")
def lot(
    gtin: str = typer.Argument(..., help="GTIN-14."),
    lot_number: str = typer.Argument(..., metavar="LOT"),
    format: str = typer.Option("csv", "--format", "-f", help="csv or json (one unit a line)."),  # noqa: A002
) -> None:
    """Every unit of a lot, its status and custodian now, streamed to standard output."""
    from dataclasses import asdict

    from app.commands._runtime import run
    from app.config import load_settings
    from app.reports import render, service

    async def work(sessions: Any) -> None:
        async with sessions() as session:
            reader = service.operator_reader(f"cli:{getpass.getuser()}")
            header = asdict(await service.lot_header(session, gtin, lot_number, reader))
            sys.stdout.write(render.lot_csv_header(header) if format == "csv"
                             else json.dumps({"report": {"kind": "lot", **header}}) + "\n")
            async for page in service.lot_units(session, gtin, lot_number, reader):
                sys.stdout.write(render.lot_csv_rows(page) if format == "csv"
                                 else "".join(json.dumps(u) + "\n" for u in page))

    run(load_settings(), work)
