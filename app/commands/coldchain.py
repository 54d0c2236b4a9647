"""`custody coldchain assess`: a shipment's temperatures against a storage range.

Each FILE is one leg of the chain: an EPCIS document whose events carry sensor reports, or a
carrier's logger export (CSV with ``time`` and ``temperature`` columns, or a JSON list of
``{"time", "value", "uom"}``). The excursion budget is shared across the legs.

Exit codes: 0 within range or within budget; 1 an excursion beyond the budget (the units are
unfit for distribution until QA clears them) or no readings at all; 2 bad input.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Cold chain: temperature excursions, budget and MKT.",
                  no_args_is_help=True)


@app.callback()
def coldchain() -> None:
    """Cold chain: temperature excursions, budget and MKT."""


def _range(text: str) -> tuple[float, float]:
    low, sep, high = text.partition("..")
    try:
        bounds = float(low), float(high)
    except ValueError:
        raise typer.BadParameter(f"expected LOW..HIGH in °C such as 2..8, got {text!r}") from None
    if not sep or bounds[0] >= bounds[1]:
        raise typer.BadParameter(f"expected LOW..HIGH with LOW below HIGH, got {text!r}")
    return bounds


def _leg(path: Path):
    from app.coldchain import readings
    from epcis.errors import EpcisError
    from epcis.read import read_document

    data = path.read_bytes()
    head = data.lstrip()[:1]
    if path.suffix.lower() == ".csv":
        return readings.from_csv(data.decode("utf-8-sig"), source=path.name)
    if head == b"[":
        return readings.from_json(data.decode(), source=path.name)
    try:
        events = read_document(data).events
    except EpcisError as exc:
        raise readings.ReadingError(path.name, "an EPCIS document or a logger file",
                                    str(exc)) from None
    return [r for e in events for r in readings.from_event(e, source=path.name)]


@app.command()
def assess(
    files: Annotated[list[Path], typer.Argument(help="One file per leg.", exists=True,
                                                 dir_okay=False, readable=True)],
    storage: Annotated[str, typer.Option("--range", help="Storage range LOW..HIGH in °C.")]
    = "2..8",
    budget: Annotated[int, typer.Option(help="Minutes allowed outside, over all legs.",
                                        min=0)] = 0,
    max_gap: Annotated[int, typer.Option(help="Minutes between readings that is a gap.",
                                         min=1)] = 60,
    chart: Annotated[Path | None, typer.Option("--svg", help="Write the chart here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Assess temperature readings against a storage range and excursion budget."""
    from app.coldchain.evaluate import StorageRange, assess_legs
    from app.coldchain.readings import ReadingError

    low, high = _range(storage)
    rng = StorageRange(low, high, timedelta(minutes=budget))
    try:
        legs = [_leg(f) for f in files]
    except (ReadingError, UnicodeDecodeError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    result = assess_legs(legs, rng, timedelta(minutes=max_gap))
    if chart is not None:
        from app.coldchain.chart import svg

        chart.write_text(svg([r for leg in legs for r in leg], rng, result,
                             title=", ".join(f.name for f in files)))
    if as_json:
        typer.echo(json.dumps(_json(result), indent=2))
    else:
        typer.echo(_text(result, rng))
    raise typer.Exit(0 if result.verdict in ("ok", "excursion-within-budget") else 1)


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


def _json(result) -> dict:
    return {
        "verdict": result.verdict, "readings": result.readings, "legs": result.legs,
        "minutesOutside": _minutes(result.outside), "budgetMinutes": _minutes(result.budget),
        "lowest": result.lowest, "highest": result.highest, "mkt": result.mkt,
        "excursions": [{"start": e.start.isoformat(), "end": e.end.isoformat(),
                        "minutes": _minutes(e.duration), "lowest": e.lowest,
                        "highest": e.highest} for e in result.excursions],
        "gaps": [{"start": a.isoformat(), "end": b.isoformat()} for a, b in result.gaps],
    }


def _text(result, rng) -> str:
    if not result.readings:
        return "no temperature readings"
    lines = [f"{result.verdict}: {_minutes(result.outside):g} min outside {rng.low:g}..{rng.high:g}"
             f" °C (budget {_minutes(rng.budget):g} min) over {result.legs} leg(s), "
             f"{result.readings} readings, {result.lowest:g} to {result.highest:g} °C, "
             f"MKT {result.mkt} °C (advisory)"]
    lines += [f"  excursion {e.start:%Y-%m-%d %H:%M} to {e.end:%H:%M}: "
              f"{_minutes(e.duration):g} min, {e.lowest:g} to {e.highest:g} °C"
              for e in result.excursions]
    lines += [f"  gap: no readings from {a:%Y-%m-%d %H:%M} to {b:%Y-%m-%d %H:%M}"
              for a, b in result.gaps]
    return "\n".join(lines)


@app.command()
def storage(
    gtin: Annotated[str, typer.Argument(help="The product's GTIN-14.")],
    storage_range: Annotated[str | None, typer.Option(
        "--range", help="Storage range LOW..HIGH in °C; omit with --clear.")] = None,
    budget: Annotated[int, typer.Option(help="Minutes allowed outside, over the chain.",
                                        min=0)] = 0,
    clear: Annotated[bool, typer.Option(help="Remove the product's range.")] = False,
) -> None:
    """Set a product's storage range and excursion budget (as the operator)."""
    from app.coldchain import service
    from app.commands._runtime import run_in_transaction
    from app.config import load_settings
    from app.products.service import set_storage

    if clear == (storage_range is not None):
        raise typer.BadParameter("expected --range LOW..HIGH or --clear")
    low, high = _range(storage_range) if storage_range else (None, None)
    config = load_settings()

    async def work(session):
        p = await set_storage(session, gtin, low, high, budget)
        await service.range_set(session, "cli", await service.operator_or_none(
            session, config.operator_gln))  # readings already held, judged by the new range
        return p.storage_low_c, p.storage_high_c, p.excursion_budget_minutes

    got = run_in_transaction(config, work)
    typer.echo(f"{gtin}: " + (f"{got[0]:g}..{got[1]:g} °C, budget {got[2]} min"
                              if got[0] is not None else "no storage range"))
