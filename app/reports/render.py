"""A unit's proof bundle as people read it: HTML, PDF (with a chain diagram) and CSV.

Pure: each function takes the bundle :func:`app.reports.service.unit_bundle` made and returns
text or bytes. PDF rendering is CPU work: callers run it in a worker thread.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fpdf import FPDF
from markupsafe import Markup

logging.getLogger("fpdf.svg").setLevel(logging.ERROR)  # "unsupported <pattern>": outlined instead

HOP_COLUMNS = ("seq", "time", "kind", "from", "from_name", "from_licensed", "to", "to_name",
               "to_licensed", "site", "transaction", "event_hash", "hop_hash", "leaf_index")
LOT_COLUMNS = ("identifier", "serial", "status", "expiry", "custodian", "in_transit_to",
               "location", "container", "case_refs", "cold_chain")


def covers(bundle: dict[str, Any]) -> list[tuple[str, str]]:
    """The lines every format opens with: what, when, for whom, from which checkpoint."""
    report, cp = bundle["report"], bundle["checkpoint"]
    reader = report["made_for"]
    return [
        ("Covers", f"unit {report['subject']}"),
        ("Made", report["made_at"]),
        ("For", f"{reader['reader']} (scopes {', '.join(reader['scopes'])})"),
        ("Checkpoint", f"{cp['origin']} tree size {cp['tree_size']} root {cp['root_hash']} "
                       f"key {cp['key_name']}+{cp['key_id']}"),
    ]


@dataclass(frozen=True)
class Row:
    """One hop as the people-facing formats show it."""

    seq: int
    time: str
    kind: str
    src: dict[str, Any] | None
    dst: dict[str, Any] | None
    site: dict[str, Any]
    transaction: dict[str, Any] | None
    event_hash: str
    hop_hash: str
    leaf_index: int


def rows(bundle: dict[str, Any]) -> list[Row]:
    """The subject's hops, with the context Custody knows about each."""
    chain = next(c for c in bundle["chains"] if c["role"] == "subject")
    context = {h["seq"]: h for h in bundle["context"]["hops"]}
    return [Row(h["seq"], h["time"], h["kind"], context[h["seq"]]["from"], context[h["seq"]]["to"],
                context[h["seq"]]["site"], context[h["seq"]]["transaction"], h["event_hash"],
                h["hop_hash"], h["leaf_index"]) for h in chain["hops"]]


def party_text(party: dict[str, Any] | None) -> str:
    """``Name (GLN), licensed`` or why not."""
    if party is None:
        return "-"
    name = party["name"] or "unknown party"
    status = "licensed" if party["licensed"] else f"NOT licensed: {party['why_not']}"
    return f"{name} ({party['gln']}), {status}"


def transaction_text(tx: dict[str, Any] | None) -> str:
    if tx is None:
        return ""
    refs = ", ".join(r["value"].rsplit(":", 1)[-1] for r in tx["references"])
    ts = tx["statement"]
    statement = "TS affirmed" if ts and ts["affirmed"] else "no TS"
    products = "; ".join(f"{p['name'] or p['gtin']} x{p['quantity']}"
                         + (f" lots {','.join(p['lots'])}" if p["lots"] else "")
                         for p in tx["products"])
    return f"TI {refs}: {products}; {statement}"


# -- HTML -------------------------------------------------------------------------------------
def html_context(bundle: dict[str, Any]) -> dict[str, Any]:
    """What the report templates (``app/web/templates/report_*.html``) need."""
    cold = bundle["context"].get("cold_chain")
    return {"bundle": bundle, "covers": covers(bundle), "rows": rows(bundle),
            "party_text": party_text, "transaction_text": transaction_text,
            "context": bundle["context"], "spans": spans(bundle), "cold": cold,
            # the bundle was made in this process (unit_bundle), never read from outside
            "cold_chart": Markup(cold["chart_svg"]) if cold else None}  # noqa: S704


# -- CSV --------------------------------------------------------------------------------------
def unit_csv(bundle: dict[str, Any]) -> str:
    """One line per hop after ``#`` lines saying what the file covers (spreadsheets skip them)."""
    out = io.StringIO()
    for label, value in covers(bundle):
        out.write(f"# {label}: {value}\n")
    writer = csv.writer(out)
    writer.writerow(HOP_COLUMNS)
    for r in rows(bundle):
        writer.writerow([r.seq, r.time, r.kind, *_party_cells(r.src), *_party_cells(r.dst),
                         r.site["sgln"] or "", transaction_text(r.transaction), r.event_hash,
                         r.hop_hash, r.leaf_index])
    return out.getvalue()


def _party_cells(party: dict[str, Any] | None) -> list[str]:
    if party is None:
        return ["", "", ""]
    return [party["gln"], party["name"] or "", "yes" if party["licensed"] else "no"]


def lot_csv_header(header: dict[str, Any]) -> str:
    lines = [f"# Covers: lot {header['lot']} of GTIN {header['gtin']}",
             f"# Made: {header['made_at']}", f"# For: {header['made_for']['reader']}",
             f"# Checkpoint: {_checkpoint_text(header['checkpoint'])}"]
    out = io.StringIO()
    csv.writer(out).writerow(LOT_COLUMNS)
    return "\n".join(lines) + "\n" + out.getvalue()


def _checkpoint_text(cp: dict[str, Any] | None) -> str:
    if cp is None:
        return "none signed yet"
    return f"{cp['origin']} tree size {cp['tree_size']} root {cp['root_hash']}"


def lot_csv_rows(units: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for u in units:
        writer.writerow([u[c] if c != "case_refs" else " ".join(u[c]) for c in LOT_COLUMNS])
    return out.getvalue()


# -- the chain diagram ------------------------------------------------------------------------
@dataclass(frozen=True)
class Span:
    """Who held the unit from when to when (``holder`` None: in transit to ``to``)."""

    holder: str | None
    name: str
    start: str
    end: str | None
    to: str | None = None


def spans(bundle: dict[str, Any]) -> list[Span]:
    """Custody over time, from the subject's hops: held spans and in-transit spans."""
    out: list[Span] = []
    holder: tuple[str | None, str] | None = None
    start = ""
    for r in rows(bundle):
        if r.kind in ("commission", "receive", "return") and r.dst:
            if holder is not None:
                out.append(Span(holder[0], holder[1], start, r.time,
                                r.dst["gln"] if holder[0] is None else None))
            holder, start = (r.dst["gln"], r.dst["name"] or r.dst["gln"]), r.time
        elif r.kind == "ship" and r.dst and holder is not None:
            out.append(Span(holder[0], holder[1], start, r.time))
            holder, start = (None, f"in transit to {r.dst['name'] or r.dst['gln']}"), r.time
        elif r.kind in ("dispense", "destroy", "decommission") and holder is not None:
            out.append(Span(holder[0], holder[1], start, r.time))
            holder, start = None, r.time
    if holder is not None:
        out.append(Span(holder[0], holder[1], start, None))
    return out


# -- PDF --------------------------------------------------------------------------------------
def _latin(text: object) -> str:
    return str(text).encode("latin-1", "replace").decode("latin-1")


def unit_pdf(bundle: dict[str, Any]) -> bytes:
    """The report as a PDF: what it covers, the chain diagram, each hop, what concerns the unit,
    and the checkpoint note."""
    pdf = FPDF(orientation="landscape", format="Letter")
    pdf.set_title(f"Provenance of {bundle['report']['subject']}")
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 9, _latin(f"Provenance report: {bundle['report']['subject']}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    for label, value in covers(bundle):
        pdf.multi_cell(0, 5, _latin(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    unit = bundle["context"]["unit"]
    pdf.multi_cell(0, 5, _latin(
        f"Now: {unit['status']}, custodian {unit['custodian'] or '-'}"
        + (f", in transit to {unit['in_transit_to']}" if unit["in_transit_to"] else "")
        + f"; GTIN {unit['gtin']} serial {unit['serial']} lot {unit['lot']} expiry {unit['expiry']}"),
        new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _diagram(pdf, spans(bundle))
    _hop_table(pdf, rows(bundle))
    _concerns(pdf, bundle["context"])
    _cold_chain(pdf, bundle["context"].get("cold_chain"))
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Signed checkpoint", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Courier", size=8)
    pdf.multi_cell(0, 4, _latin(bundle["checkpoint"]["note"].replace("\u2014", "--")),
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _diagram(pdf: FPDF, chain: list[Span]) -> None:
    """Lanes per holder, time left to right: a filled bar while held, a hatched one in transit."""
    if not chain:
        return
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Who held it when", new_x="LMARGIN", new_y="NEXT")
    lanes: list[str] = []
    for s in chain:
        lane = s.name if s.holder is not None else "in transit"
        if lane not in lanes:
            lanes.append(lane)
    t0 = _parse(chain[0].start)
    t1 = max(_parse(s.end or s.start) for s in chain)
    total = max((t1 - t0).total_seconds(), 1.0)
    left, width, lane_h = pdf.l_margin + 62, pdf.w - pdf.l_margin - pdf.r_margin - 64, 7.0
    top = pdf.get_y() + 1
    pdf.set_font("Helvetica", size=7)
    for i, lane in enumerate(lanes):
        pdf.set_xy(pdf.l_margin, top + i * lane_h + 1)
        pdf.cell(60, 5, _latin(lane[:48]), align="R")
        pdf.set_draw_color(210, 210, 210)
        pdf.line(left, top + (i + 1) * lane_h, left + width, top + (i + 1) * lane_h)
    for s in chain:
        row = lanes.index(s.name if s.holder is not None else "in transit")
        x0 = left + width * (_parse(s.start) - t0).total_seconds() / total
        end = _parse(s.end) if s.end else t1
        x1 = max(x0 + 1.5, left + width * (end - t0).total_seconds() / total)
        y = top + row * lane_h + 1.5
        if s.holder is None:
            pdf.set_fill_color(250, 210, 120)
        else:
            pdf.set_fill_color(70, 120, 190)
        pdf.set_draw_color(40, 40, 40)
        pdf.rect(x0, y, x1 - x0, lane_h - 3, style="DF")
    bottom = top + len(lanes) * lane_h
    pdf.set_xy(left, bottom + 1)
    pdf.cell(width / 2, 4, _latin(chain[0].start))
    pdf.cell(width / 2, 4, _latin(t1.strftime("%Y-%m-%dT%H:%M:%SZ")), align="R")
    pdf.set_y(bottom + 7)


def _hop_table(pdf: FPDF, hops: list[Row]) -> None:
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Custody hops (proven by the bundle)", new_x="LMARGIN", new_y="NEXT")
    widths = (8, 34, 20, 72, 72, 0)
    heads = ("#", "Time (UTC)", "Kind", "From", "To", "Site")
    pdf.set_font("Helvetica", "B", 7)
    for w, h in zip(widths, heads, strict=True):
        pdf.cell(w, 5, h, border="B")
    pdf.ln()
    for r in hops:
        pdf.set_font("Helvetica", size=7)
        cells = (str(r.seq), r.time, r.kind, _short_party(r.src), _short_party(r.dst),
                 r.site["sgln"] or "-")
        for w, text in zip(widths, cells, strict=True):
            pdf.cell(w, 4.5, _latin(text))
        pdf.ln()
        if r.transaction:
            pdf.set_font("Helvetica", "I", 7)
            pdf.cell(62)
            pdf.multi_cell(0, 4, _latin(transaction_text(r.transaction)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _short_party(party: dict[str, Any] | None) -> str:
    if party is None:
        return "-"
    mark = "licensed" if party["licensed"] else "NOT LICENSED"
    return f"{(party['name'] or 'unknown')[:34]} {party['gln']} ({mark})"


def _concerns(pdf: FPDF, context: dict[str, Any]) -> None:
    lines = [f"Investigation {i['id']} ({i['opened_at']}, {i['trigger']}): {i['reason']}"
             for i in context["investigations"]]
    lines += [f"Recall {r['id']} class {r['class']} ({r['recorded_at']}): {r['reason']}"
              for r in context["recalls"]]
    lines += [f"{q['kind'].capitalize()} by {q['by']} at {q['time']}" for q in context["quarantines"]]
    lines += [f"Verification {v['at']} ({v['context']}): verified={v['verified']}"
              for v in context["verifications"]]
    lines += [f"Scan {s['at']} at {s['station']}: {s['result']}" for s in context["scans"]]
    lines += [f"Exception {x['reason_code']} ({x['status']}): {x['detail']}"
              for x in context["exceptions"]]
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "What concerns it", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
    for line in lines or ["No investigation, recall, quarantine, verification, scan or exception."]:
        pdf.multi_cell(0, 4.5, _latin(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _cold_chain(pdf: FPDF, cold: dict[str, Any] | None) -> None:
    """The unit's temperature chart and the same in words (the PDF draws excursions outlined
    and labelled E1, E2 ...: fpdf2 does not fill the page's hatching)."""
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Cold chain", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
    pdf.multi_cell(0, 4.5, _latin(cold["summary"] if cold else "No temperature readings."),
                   new_x="LMARGIN", new_y="NEXT")
    if cold and cold.get("chart_svg"):
        pdf.image(io.BytesIO(cold["chart_svg"].encode()), w=180)
    pdf.ln(2)
