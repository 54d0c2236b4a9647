"""Printables as PDF (fpdf2, core fonts): SSCC logistics labels, packing lists, pick lists.

Pure: frozen dataclasses in, PDF bytes out (``app.printing.service`` builds them from a
shipment). Rendering is CPU-bound, so callers run it in a worker thread.

The SSCC label is a 4 x 6 inch GS1 logistics label: ship-from and ship-to blocks on top,
order and carrier details beside a GS1 DataMatrix carrying (00) SSCC and (410) ship-to GLN,
and the GS1-128 symbol of (00) SSCC at the foot (X = 0.5 mm, 32 mm high, quiet zones of
10 X) with its grouped human-readable line. Bars and modules are drawn as vector
rectangles, so the printer's resolution is the only limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from fpdf import FPDF

from scanners.render import gs1_datamatrix_modules, sscc_bars, sscc_hri_grouped

LABEL_MM = (101.6, 152.4)  # 4 x 6 inch, portrait
X_MM = 0.5  # GS1-128 X-dimension on a logistics label (GS1 General Specifications 5.4.4)
BAR_MM = 32.0
DM_MODULE_MM = 0.8


@dataclass(frozen=True)
class Party:
    """A ship-from or ship-to block: name, GLN and postal address lines."""

    name: str
    gln: str | None = None
    address: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The block's lines, name first.

        >>> Party("Acme", "0370002000005", ("1 Main St", "Springfield IL 62701")).lines()
        ['Acme', '1 Main St', 'Springfield IL 62701', 'GLN 0370002000005']
        """
        return [self.name, *self.address] + ([f"GLN {self.gln}"] if self.gln else [])


@dataclass(frozen=True)
class Label:
    """One case's SSCC label."""

    sscc: str
    company_prefix_length: int
    ship_from: Party
    ship_to: Party
    case_no: int = 1
    case_count: int = 1
    units: int | None = None
    order_no: str | None = None
    carrier: str | None = None
    tracking: str | None = None
    shipment: str | None = None


@dataclass(frozen=True)
class Item:
    """Units of one product and lot: in a case (packing list) or to pick (pick list)."""

    product: str
    ndc: str | None
    lot: str | None
    expiry: date | None
    quantity: int
    serials: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    """A packed case: its SSCC and what it holds."""

    sscc: str
    items: tuple[Item, ...]
    status: str = "closed"


@dataclass(frozen=True)
class Sheet:
    """A shipment as the packing and pick lists print it."""

    shipment: str
    ship_from: Party
    ship_to: Party
    status: str
    order_no: str | None = None
    case_ref: str | None = None
    carrier: str | None = None
    tracking: str | None = None
    ship_date: date | None = None
    cases: tuple[Case, ...] = ()
    to_pick: tuple[Item, ...] = field(default=())


def latin1(text: object) -> str:
    """Text the PDF core fonts can show (anything else becomes '?').

    >>> latin1("Café ✓")
    'Café ?'
    """
    return str(text).encode("latin-1", "replace").decode("latin-1")


def _pdf(title: str, size: str | tuple[float, float] = "Letter") -> FPDF:
    pdf = FPDF(format=size)
    pdf.set_title(latin1(title))
    pdf.set_creator("Custody")
    pdf.set_auto_page_break(True, margin=12)
    return pdf


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut (with '...') to fit ``width`` in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "...") > width:
        text = text[:-1]
    return text + "..."


def _block(pdf: FPDF, x: float, y: float, w: float, heading: str, party: Party) -> float:
    """A labelled address block; returns the y below it."""
    pdf.set_xy(x, y)
    pdf.set_font("Helvetica", "B", 7)
    pdf.cell(w, 3.5, heading, new_x="LEFT", new_y="NEXT")
    for i, line in enumerate(party.lines()[:6]):
        pdf.set_font("Helvetica", "B" if i == 0 else "", 9 if i == 0 else 8)
        pdf.cell(w, 4, _fit(pdf, latin1(line), w), new_x="LEFT", new_y="NEXT")
    return pdf.get_y()


def _matrix(pdf: FPDF, x: float, y: float, modules: Sequence[Sequence[bool]],
            module: float, height: float | None = None) -> None:
    """Dark modules as filled rectangles, one per horizontal run (rows ``height`` high)."""
    height = height or module
    for row, line in enumerate(modules):
        col = 0
        while col < len(line):
            if line[col]:
                start = col
                while col < len(line) and line[col]:
                    col += 1
                pdf.rect(x + start * module, y + row * height, (col - start) * module, height,
                         style="F")
            col += 1


def _label_page(pdf: FPDF, label: Label) -> None:
    pdf.add_page()
    width, margin = LABEL_MM[0], 4.0
    half = (width - 2 * margin) / 2
    bottom = max(_block(pdf, margin, margin, half - 2, "SHIP FROM", label.ship_from),
                 _block(pdf, margin + half + 2, margin, half - 2, "SHIP TO", label.ship_to))
    pdf.line(margin, bottom + 2, width - margin, bottom + 2)
    y = bottom + 5
    pdf.set_xy(margin, y)
    details = [("SHIPMENT", label.shipment), ("ORDER", label.order_no),
               ("CARRIER", label.carrier), ("TRACKING", label.tracking),
               ("CASE", f"{label.case_no} of {label.case_count}"),
               ("UNITS", None if label.units is None else str(label.units))]
    for name, value in details:
        if value:
            pdf.set_font("Helvetica", "B", 7)
            pdf.cell(18, 5, name)
            pdf.set_font("Helvetica", "", 10)
            pdf.cell(half - 18, 5, latin1(value), new_x="LMARGIN", new_y="NEXT")
            pdf.set_x(margin)
    pairs = [("00", label.sscc)] + ([("410", label.ship_to.gln)] if label.ship_to.gln else [])
    matrix = gs1_datamatrix_modules(pairs)
    side = len(matrix) * DM_MODULE_MM
    _matrix(pdf, width - margin - side, y, matrix, DM_MODULE_MM)
    pdf.set_font("Helvetica", "", 6)
    pdf.set_xy(width - margin - side - 6, y + side + 0.5)
    pdf.cell(side + 6, 3, "(00) SSCC  (410) SHIP TO" if len(pairs) > 1 else "(00) SSCC",
             align="C")
    bars = sscc_bars(label.sscc)
    bar_y = LABEL_MM[1] - margin - BAR_MM - 12
    pdf.line(margin, bar_y - 10, width - margin, bar_y - 10)
    pdf.set_xy(margin, bar_y - 8)
    pdf.set_font("Helvetica", "B", 8)
    pdf.cell(0, 4, "SSCC")
    x0 = (width - len(bars) * X_MM) / 2
    _matrix(pdf, x0, bar_y, [bars], X_MM, BAR_MM)
    pdf.set_xy(margin, bar_y + BAR_MM + 2)
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(width - 2 * margin, 7, sscc_hri_grouped(label.sscc, label.company_prefix_length),
             align="C")


def labels(items: Iterable[Label], title: str = "SSCC labels") -> bytes:
    """One 4 x 6 inch page per case label.

    >>> p = Party("Acme", "0370002000005")
    >>> labels([Label("003700020000000019", 7, p, p)])[:5]
    b'%PDF-'
    """
    pdf = _pdf(title, LABEL_MM)
    pdf.set_auto_page_break(False)
    for label in items:
        _label_page(pdf, label)
    if pdf.page == 0:
        pdf.add_page()
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(0, 10, "No cases to label.")
    return bytes(pdf.output())


def _head(pdf: FPDF, title: str, sheet: Sheet) -> None:
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 9, latin1(f"{title} - shipment {sheet.shipment}"), new_x="LMARGIN",
             new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    facts = [("Status", sheet.status), ("Order", sheet.order_no), ("Case ref", sheet.case_ref),
             ("Carrier", sheet.carrier), ("Tracking", sheet.tracking),
             ("Ship date", sheet.ship_date.isoformat() if sheet.ship_date else None)]
    pdf.cell(0, 5, latin1("   ".join(f"{k}: {v}" for k, v in facts if v)), new_x="LMARGIN",
             new_y="NEXT")
    top = pdf.get_y() + 2
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    bottom = max(_block(pdf, pdf.l_margin, top, half, "SHIP FROM", sheet.ship_from),
                 _block(pdf, pdf.l_margin + half, top, half, "SHIP TO", sheet.ship_to))
    pdf.set_xy(pdf.l_margin, bottom + 3)


COLUMNS = (("Product", 62), ("NDC", 26), ("Lot", 28), ("Expiry", 22), ("Qty", 14))


def _row(pdf: FPDF, cells: Sequence[object], bold: bool = False, extra: tuple = ()) -> None:
    pdf.set_font("Helvetica", "B" if bold else "", 9)
    columns = COLUMNS + extra
    for (_, width), value in zip(columns, cells, strict=True):
        pdf.cell(width, 6, latin1("" if value is None else value), border="B")
    pdf.ln()


def _item_cells(item: Item) -> list[object]:
    return [item.product[:34], item.ndc, item.lot,
            item.expiry.isoformat() if item.expiry else None, item.quantity]


def packing_list(sheet: Sheet) -> bytes:
    """Each case with its SSCC and contents: product, NDC, lot, expiry, count and serials.

    >>> p = Party("Acme")
    >>> packing_list(Sheet("7", p, p, "shipped"))[:5]
    b'%PDF-'
    """
    pdf = _pdf(f"Packing list, shipment {sheet.shipment}")
    _head(pdf, "Packing list", sheet)
    total = sum(i.quantity for c in sheet.cases for i in c.items)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, f"{len(sheet.cases)} case(s), {total} unit(s)", new_x="LMARGIN", new_y="NEXT")
    for n, case in enumerate(sheet.cases, 1):
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 11)
        count = sum(i.quantity for i in case.items)
        pdf.cell(0, 7, latin1(f"Case {n}: SSCC {case.sscc} ({case.status}, {count} unit(s))"),
                 new_x="LMARGIN", new_y="NEXT")
        _row(pdf, [name for name, _ in COLUMNS], bold=True)
        for item in case.items:
            _row(pdf, _item_cells(item))
            if item.serials:
                pdf.set_font("Courier", "", 7)
                pdf.multi_cell(0, 3.5, latin1("Serials: " + " ".join(item.serials)),
                               new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def pick_list(sheet: Sheet) -> bytes:
    """What to pick for the shipment: product, lot, quantity and where it is stored.

    >>> p = Party("Acme")
    >>> pick_list(Sheet("7", p, p, "open"))[:5]
    b'%PDF-'
    """
    pdf = _pdf(f"Pick list, shipment {sheet.shipment}")
    _head(pdf, "Pick list", sheet)
    extra = (("Location", 34), ("Picked", 0))
    _row(pdf, [name for name, _ in COLUMNS + extra], bold=True, extra=extra)
    for item in sheet.to_pick:
        _row(pdf, [*_item_cells(item), ", ".join(item.locations)[:22] or "-", "[   ]"],
             extra=extra)
    if not sheet.to_pick:
        pdf.set_font("Helvetica", "I", 9)
        pdf.cell(0, 7, "Nothing to pick.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
