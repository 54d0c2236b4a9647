"""``custody cases list|show|open|authorize|status|link|confirmation-link`` and ``custody vault
init|rotate-master|retention|policy|erase|export``: named-patient cases and the patient-data
vault from a terminal. Nothing here prints patient data except ``vault export`` to a file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer

from app.commands._runtime import run_in_transaction
from app.config import load_settings

app = typer.Typer(help="Named-patient cases (acting as the operator).", no_args_is_help=True)
vault_app = typer.Typer(help="The patient-data vault: master keys, retention, erasure, export.",
                        no_args_is_help=True)
ACTOR = "cli"
ADMIN = frozenset({"admin"})  # the command line is the operator's administrator


def _run(work) -> Any:
    return run_in_transaction(load_settings(), work)


def _line(c) -> str:
    return (f"{c.ref}  {c.status.value:<10} {c.country} {c.gtin} x{c.quantity}  "
            f"auth {c.authorization_ref or '-'} to {c.authorization_expires or '-'}")


@app.command("list")
def list_(status: str | None = typer.Option(None, help="Only cases in this status.")) -> None:
    """One line per case, newest first: reference, status, destination, drug, authorization."""
    from app.cases import service
    from app.models import CaseStatus

    async def work(session):
        return [_line(c) for c in await service.list_cases(
            session, CaseStatus(status) if status else None)]

    for line in _run(work):
        typer.echo(line)


@app.command()
def show(ref: str) -> None:
    """The case as JSON (never patient data)."""
    from app.cases import service
    from app.cases.router import case_out

    async def work(session):
        return (await case_out(session, await service.get(session, ref))).model_dump(mode="json")

    typer.echo(json.dumps(_run(work), indent=2))


@app.command("open")
def open_(
    country: str = typer.Option(..., help="Destination, ISO 3166 alpha-2."),
    drug: str = typer.Option(..., help="GTIN or NDC (5-4-1)."),
    quantity: int = typer.Option(..., help="Units authorized."),
    prescriber: str = typer.Option(..., help="Prescriber's name."),
    licence: str = typer.Option(..., help="Prescriber's licence number."),
    prescriber_country: str = typer.Option(..., help="Where the prescriber is licensed."),
    receiver_gln: str | None = typer.Option(None, help="Receiving institution's GLN."),
    receiver_address: str | None = typer.Option(None, help="Or its address."),
    pathway: str = typer.Option("named_patient", help="named_patient or personal_import."),
) -> None:
    """Open a case (status requested); prints its reference."""
    from app.cases import service
    from app.models import Pathway

    spec = service.CaseSpec(country, Pathway(pathway), prescriber, licence, prescriber_country,
                            drug, quantity, receiver_gln, receiver_address)

    async def work(session):
        return (await service.open_case(session, spec, ACTOR)).ref

    typer.echo(_run(work))


@app.command()
def authorize(ref: str, authorization: str = typer.Option(..., help="Regulator's reference."),
              issued: str = typer.Option(..., help="YYYY-MM-DD"),
              expires: str = typer.Option(..., help="YYYY-MM-DD")) -> None:
    """Record the regulator's authorization."""
    from app.cases import service

    auth = service.Authorization(authorization, date.fromisoformat(issued),
                                 date.fromisoformat(expires))

    async def work(session):
        return _line(await service.authorize(session, ref, auth, ACTOR))

    typer.echo(_run(work))


@app.command()
def status(ref: str, to: str, note: str | None = typer.Option(None)) -> None:
    """Move a case: delivered, closed or cancelled."""
    from app.cases import service
    from app.models import CaseStatus

    async def work(session):
        return _line(await service.transition(session, ref, CaseStatus(to), ACTOR, note))

    typer.echo(_run(work))


@app.command()
def link(ref: str, identifiers: list[str]) -> None:
    """Link shipped units (EPC URNs, or an SSCC) to a case, within its authorization."""
    from app.cases import service
    from app.cases.router import commitment_of

    settings = load_settings()

    async def work(session):
        case = await service.get(session, ref)
        proof = await commitment_of(session, settings, case)
        made = await service.link_shipment(session, ref, identifiers, ACTOR, proof)
        return f"{made.quantity} unit(s) linked to {case.ref}; commitment {made.commitment or '-'}"

    typer.echo(run_in_transaction(settings, work))


@app.command("confirmation-link")
def confirmation_link(ref: str, base_url: str = typer.Option("http://127.0.0.1:8000"),
                      hours: int = typer.Option(72)) -> None:
    """Issue a one-off confirmation link for the receiver (signed with CUSTODY_SESSION_SECRET:
    set it, the same as the server's)."""
    from app.delivery import service

    settings = load_settings()

    async def work(session):
        made, token = await service.issue_link(
            session, ref, ACTOR, settings.session_secret.get_secret_value(), hours)
        return f"{base_url.rstrip('/')}/confirm/{token}  (expires {made.expires_at:%Y-%m-%d %H:%M} UTC)"

    typer.echo(run_in_transaction(settings, work))


@vault_app.command()
def init(path: Path = typer.Argument(..., help="Key file to create.")) -> None:
    """Make a master key file (mode 0600); point CUSTODY_VAULT_KEY_FILE at it."""
    from app.vault.keys import add_key_file_entry

    if path.exists():
        raise typer.BadParameter(f"{path} exists: use `custody vault rotate-master` to add a key")
    key = add_key_file_entry(path)
    typer.echo(f"vault master key {key.id} written to {path}")


@vault_app.command("rotate-master")
def rotate_master() -> None:
    """Add a new master key to CUSTODY_VAULT_KEY_FILE and re-wrap every case's data key with it
    (the sealed data is not re-encrypted). Old keys stay in the file until you remove them."""
    from app.errors import ConfigurationError
    from app.vault import service
    from app.vault.keys import add_key_file_entry, load_keyring

    settings = load_settings()
    if settings.vault_key_file is None:
        raise ConfigurationError("CUSTODY_VAULT_KEY_FILE: rotation appends a key to the key file; "
                                 "expected it set, got none")
    load_keyring(settings)  # readable before adding to it
    key = add_key_file_entry(settings.vault_key_file)

    async def work(session):
        return await service.rotate_master(session, load_keyring(settings), ACTOR)

    count = run_in_transaction(settings, work)
    typer.echo(f"master key {key.id} is current; {count} data key(s) re-wrapped")


@vault_app.command()
def retention(dry_run: bool = typer.Option(False, help="Only list what is due.")) -> None:
    """Shred the patient data of cases past their country's retention (also run by the server)."""
    from app.vault import service

    async def work(session):
        done = await service.run_retention(session, "retention" if not dry_run else "dry-run")
        if dry_run:
            await session.rollback()
        return done

    done = _run(work)
    for s in done:
        typer.echo(f"{'due' if dry_run else 'shredded'}: {s.case_ref} ({s.country}, ended "
                   f"{s.ended:%Y-%m-%d}, kept {s.kept_days} days)")
    typer.echo(f"{len(done)} case(s) {'due' if dry_run else 'shredded'}")


@vault_app.command()
def policy(country: str | None = typer.Argument(None, help="ISO alpha-2 or '*' (default)."),
           patient_days: int | None = typer.Option(None, help="Days patient data is kept after a "
                                                   "case ends."),
           transaction_years: int = typer.Option(6, help="Years transaction records are kept.")
           ) -> None:
    """Show the retention policies, or set one country's."""
    from app.vault import service

    async def work(session):
        if country and patient_days is not None:
            await service.set_policy(session, country, patient_days, transaction_years)
        return [(p.country, p.patient_data_days, p.transaction_years)
                for p in await service.policies(session)]

    for c, days, years in _run(work):
        typer.echo(f"{c}: patient data {days} days after a case ends; transaction records {years} years")


@vault_app.command()
def erase(ref: str, reason: str = typer.Option("data subject's request (GDPR art. 17)")) -> None:
    """Crypto-shred a case's patient data (its key is destroyed; the ledger is untouched)."""
    from app.cases import service as cases
    from app.vault import service

    async def work(session):
        return await service.erase(session, await cases.get(session, ref), ACTOR, reason)

    typer.echo("erased" if _run(work) else "nothing to erase (already erased or never held)")


@vault_app.command()
def export(ref: str, out: Path = typer.Option(..., help="File to write (.json or .pdf).")) -> None:
    """Subject-access export (GDPR art. 15) of a case's patient to a file (audited)."""
    from app.cases import service as cases
    from app.cases.router import case_out
    from app.vault import pdf, service
    from app.vault.keys import load_keyring

    settings = load_settings()

    async def work(session):
        case = await cases.get(session, ref)
        facts = (await case_out(session, case)).model_dump(mode="json")
        return await service.export(session, load_keyring(settings), case,
                                    service.Reader(ACTOR, ADMIN), facts)

    data = run_in_transaction(settings, work)
    out.write_bytes(pdf.render(data) if out.suffix == ".pdf" else json.dumps(data, indent=2).encode())
    typer.echo(f"export written to {out}")
