"""``custody demo``: a database with a small world in it, a printout of what to try, then serve."""

from __future__ import annotations

import typer


def demo(
    serve_after: bool = typer.Option(True, "--serve/--no-serve", help="Serve after seeding."),
    host: str | None = typer.Option(None, help="Bind address (default CUSTODY_HOST)."),
    port: int | None = typer.Option(None, help="Port (default CUSTODY_PORT)."),
) -> None:
    """Migrate, seed demo partners and locations, capture their chain, then serve. Safe to run twice."""
    from app.commands._runtime import run
    from app.commands.serve import serve_app, shown_host
    from app.config import load_settings
    from app.demo import (
        ADMIN_USER,
        OPERATOR,
        STAFF_USER,
        STATION,
        TORN_SEAL,
        VIALS,
        ZENTERVA,
        load,
        route_to_self,
    )
    from app.migrate import upgrade

    config = load_settings()
    if config.operator_gln is None:
        config = config.model_copy(update={"operator_gln": OPERATOR.gln})
    upgrade(config.database_url)
    from app.cases.demo import demo_vault
    from app.logging import configure_logging, quieted

    config = demo_vault(config)  # the demo's patients' data needs a vault master key

    configure_logging(config.log_level, config.log_json)
    with quieted("custody.worker"):  # the demo sums its jobs up below
        created = run(config, load, config)
    typer.echo(
        f"demo data ready: {created['partners']} partners created (existing ones kept)"
    )
    typer.echo(
        f"demo chain ingested (manufacturer -> wholesaler -> specialty pharmacy -> hospital "
        f"pharmacy): {created['events']} events, {created['units']} units in the ledger, "
        f"{created['products']} products from its master data"
    )
    typer.echo(
        f"checkpoint signed at tree size {created['signed']} "
        f"(verifier key: {config.key_dir / 'checkpoint.pub'})"
    )
    typer.echo(
        f"demo API key (admin, regulator; shown once): {created['key']}\n"
        "  use it as 'Authorization: Bearer <key>' or with the Authorize button in the API docs;"
        " keys printed by earlier runs keep working"
    )
    shown = f"http://{shown_host(host or config.host)}:{port or config.port}"
    requester = run(config, route_to_self, shown, config.operator_gln)
    typer.echo(
        f"demo VRS route: Northwind's GTINs -> {shown}/vrs, asked as {requester}; try\n"
        f"  custody vrs verify {ZENTERVA.gtin} ZT2611A ZT00003 280531\n"
        "  (a responder answers for its operator's brands only: serve with "
        "CUSTODY_OPERATOR_GLN=0312345000004, Northwind, to see the vial verified)"
    )
    typer.echo(
        f"operator: {OPERATOR.legal_name} (CUSTODY_OPERATOR_GLN={config.operator_gln}; set it "
        f"for other commands and when you run 'custody serve' on this database): "
        f"{created['investigations']} investigation(s), one vial quarantined, "
        f"{created['recalls']} recall(s); see `custody investigations list`\n"
        f"staff sign-in at /signin: {STAFF_USER}, password (shown once): {created['password']}\n"
        f"  and {ADMIN_USER} (admin: every page, recalls and audit too), password (shown once): "
        f"{created['admin_password']}\n"
        f"  scan station {STATION!r} at {OPERATOR.sgln}\n"
        f"  personal API keys (acting with the account's roles): /account/keys, or "
        f"custody keys issue --staff {STAFF_USER}"
    )
    typer.echo(created["cases"])
    typer.echo(created["coldchain"])
    typer.echo(f"receiving: {created['expected']} shipment(s) in transit to the operator, one an "
               f"SSCC case of 3 vials from Atlas; receive it at {shown}/receiving")
    typer.echo(
        f"staff pages: {shown}/scan, {shown}/staff/units?id={TORN_SEAL} (the quarantined vial: "
        f"state, chain, proofs), {shown}/staff/investigations, {shown}/staff/recalls"
    )
    answered, open_ = str(created["traces"]).split()
    typer.echo(
        f"trace requests: #{answered} (an FDA fire drill, answered from the ledger) and #{open_} "
        f"(Atlas, open, due in one business day): {shown}/staff/trace-requests (staff), "
        f"{shown}/trace-requests/{answered} (API); who read what: {shown}/audit (API, the demo "
        f"key) and {shown}/staff/audit (admin staff)"
    )
    from app.reports.demo import demo_lines

    typer.echo(demo_lines(shown, VIALS[0], config.key_dir))
    if "shipment" in created:
        typer.echo(f"shipment {created['shipment']} to {created['shipment_to']}: "
                   f"{created['shipment_units']} vials in {created['shipment_cases']} SSCC cases, "
                   f"{created['shipment_status']}; outbound EPCIS at "
                   f"/shipments/{created['shipment']}/epcis (see `custody shipments list`)")
        typer.echo(f"  pick & pack at /shipping/{created['shipment']}: SSCC labels, packing and "
                   f"pick lists as PDF (or `custody print labels {created['shipment']} -o "
                   "labels.pdf`); partners with a capture URL get the document pushed "
                   "(`custody outbox list`)")
    if serve_after:
        serve_app(config, host, port)
