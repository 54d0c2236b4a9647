"""PURE: reconcile what arrived (scans and damage marks) with what was shipped (lines).

A scanned container receives everything it holds as aggregated; a scanned unit counts itself.
Each shipped unit ends in one outcome, the first that applies: ``missing`` (nothing brought
it in), ``damaged`` (staff marked it or a container holding it), ``wrong_lot`` (its label's
lot or expiry differs from the shipment's), ``quarantined`` (held or recalled), ``matched``.
A scan of anything the shipment does not hold is ``extra``: only its key is known, never what
the ledger says about it. A container not wholly arrived is a shortage, named.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

OUTCOMES = ("matched", "missing", "extra", "wrong_lot", "damaged", "quarantined")


def key_of(gtin: str | None, serial: str | None, sscc: str | None) -> str | None:
    """A unit's key as a GS1 element string (None when it has neither SSCC nor GTIN+serial).

    >>> key_of(None, None, "106141412345678908"), key_of("00312345678906", "S1", None)
    ('00106141412345678908', '010031234567890621S1')
    """
    if sscc:
        return "00" + sscc
    return f"01{gtin}21{serial}" if gtin and serial else None


def hri(key: str) -> str:
    """The human-readable form of a key.

    >>> hri("00106141412345678908"), hri("010031234567890621S1")
    ('(00)106141412345678908', '(01)00312345678906(21)S1')
    """
    if key.startswith("00"):
        return f"(00){key[2:]}"
    return f"(01){key[2:16]}(21){key[18:]}"


@dataclass(frozen=True)
class Line:
    """A shipped unit or container: its key (GS1 element string), EPC, container, lot, expiry."""

    key: str
    identifier: str
    parent: str | None
    kind: str
    lot: str | None = None
    expiry: date | None = None


@dataclass(frozen=True)
class Mark:
    """A scan (``scan``) or damage mark (``damaged``) of ``key``, with the label's lot/expiry."""

    key: str
    action: str = "scan"
    lot: str | None = None
    expiry: date | None = None


@dataclass(frozen=True)
class Shortage:
    """A container that did not wholly arrive: ``missing`` of its ``units`` units did not."""

    identifier: str
    missing: int
    units: int

    @property
    def whole(self) -> bool:
        """Nothing of it arrived."""
        return self.missing == self.units


@dataclass
class Board:
    """The reconciliation: shipped units by outcome, extras, shortages, reasons, and the
    highest lines wholly arrived (what a receiving event names)."""

    units: dict[str, list[str]] = field(default_factory=lambda: {o: [] for o in OUTCOMES})
    shortages: list[Shortage] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)  # identifier -> why (wrong lot ...)
    arrived: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {o: len(v) for o, v in self.units.items()}


def reconcile(lines: Sequence[Line], marks: Iterable[Mark], held: Iterable[str] = ()) -> Board:
    """Reconcile ``marks`` against ``lines``; ``held`` are the keys of units quarantined or
    recalled.

    >>> lines = [Line("00P", "P", None, "sscc"), Line("00C1", "C1", "00P", "sscc"),
    ...          Line("00C2", "C2", "00P", "sscc"), Line("01A", "A", "00C1", "sgtin", "L1"),
    ...          Line("01B", "B", "00C2", "sgtin", "L1")]
    >>> b = reconcile(lines, [Mark("00C1"), Mark("0100312345678906219")])
    >>> b.counts["matched"], b.units["missing"], b.units["extra"], b.arrived
    (1, ['B'], ['(01)00312345678906(21)9'], ['C1'])
    >>> [(s.identifier, s.missing, s.units) for s in b.shortages]
    [('P', 1, 2), ('C2', 1, 1)]
    """
    by_key = {line.key: line for line in lines}
    children: dict[str, list[str]] = {}
    for line in lines:
        if line.parent is not None and line.parent in by_key:
            children.setdefault(line.parent, []).append(line.key)
    board = Board()

    def subtree(key: str) -> list[str]:
        out, stack = [], [key]
        while stack:
            k = stack.pop()
            out.append(k)
            stack.extend(children.get(k, ()))
        return out

    received: set[str] = set()
    damaged: set[str] = set()
    label: dict[str, Mark] = {}
    for mark in marks:
        if mark.key not in by_key:
            if hri(mark.key) not in board.units["extra"]:
                board.units["extra"].append(hri(mark.key))
            continue
        inside = subtree(mark.key)
        received.update(inside)
        if mark.action == "damaged":
            damaged.update(inside)
        elif by_key[mark.key].kind != "sscc":
            label[mark.key] = mark
    quarantined = set(held)
    for line in lines:
        if line.kind == "sscc":
            continue
        outcome = _outcome(line, received, damaged, label.get(line.key), quarantined, board.reasons)
        board.units[outcome].append(line.identifier)

    full: dict[str, bool] = {}

    def arrived(key: str) -> bool:
        if key not in full:
            kids = children.get(key)
            full[key] = all([arrived(k) for k in kids]) if kids else key in received
        return full[key]

    def cover(key: str) -> None:
        if arrived(key):
            board.arrived.append(by_key[key].identifier)
        else:
            for k in children.get(key, ()):
                cover(k)

    roots = [line.key for line in lines if line.parent is None or line.parent not in by_key]
    for key in roots:
        cover(key)
    for line in lines:
        if line.kind == "sscc" and not arrived(line.key):
            leaves = [k for k in subtree(line.key) if by_key[k].kind != "sscc"]
            missing = sum(1 for k in leaves if k not in received)
            board.shortages.append(Shortage(line.identifier, missing, len(leaves)))
    return board


def _outcome(line: Line, received: set[str], damaged: set[str], mark: Mark | None,
             held: set[str], reasons: dict[str, str]) -> str:
    if line.key not in received:
        return "missing"
    if line.key in damaged:
        reasons[line.identifier] = "marked damaged"
        return "damaged"
    if mark is not None:
        wrong = []
        if mark.lot and line.lot and mark.lot != line.lot:
            wrong.append(f"label lot {mark.lot}, shipped lot {line.lot}")
        if mark.expiry and line.expiry and mark.expiry != line.expiry:
            wrong.append(f"label expiry {mark.expiry.isoformat()}, shipped expiry "
                         f"{line.expiry.isoformat()}")
        if wrong:
            reasons[line.identifier] = "; ".join(wrong)
            return "wrong_lot"
    if line.key in held:
        reasons[line.identifier] = "quarantined or of a recalled lot"
        return "quarantined"
    return "matched"
