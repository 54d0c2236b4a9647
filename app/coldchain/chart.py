"""A temperature chart as SVG: the readings, the storage range as a band, excursions marked.

Excursions are shown by a hatched band *and* a label, not by colour alone. The SVG is plain
text with no script and no external reference, so pages and PDFs can embed it as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from app.coldchain.evaluate import Assessment, StorageRange, chronological
from app.coldchain.readings import Reading

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 24, 40
MAX_POINTS = 2000
"""Readings beyond this are thinned to every k-th for the line; excursions are drawn whole."""


def svg(readings: Sequence[Reading], storage: StorageRange, assessment: Assessment,
        title: str = "Temperature") -> str:
    """The chart of ``readings`` against ``storage``, with ``assessment``'s excursions."""
    ordered = chronological(readings)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">'
            f"<title>{escape(title)}</title>")
    if not ordered:
        return head + (f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">'
                       "No temperature readings</text></svg>")
    t0, t1 = ordered[0].time, ordered[-1].time
    lowest, highest = assessment.lowest, assessment.highest  # 0 °C is a reading, not None
    low = min(storage.low if lowest is None else lowest, storage.low) - 1
    high = max(storage.high if highest is None else highest, storage.high) + 1
    span = max((t1 - t0).total_seconds(), 1.0)

    def x(t: datetime) -> float:
        return LEFT + (t - t0).total_seconds() / span * (WIDTH - LEFT - RIGHT)

    def y(c: float) -> float:
        return TOP + (high - c) / (high - low) * (HEIGHT - TOP - BOTTOM)

    parts = [head, _defs(),
             f'<rect x="{LEFT}" y="{y(storage.high):.1f}" width="{WIDTH - LEFT - RIGHT}" '
             f'height="{y(storage.low) - y(storage.high):.1f}" fill="#dbeafe" stroke="#1d4ed8" '
             f'stroke-dasharray="4 3"><title>storage range {storage.low:g} to '
             f'{storage.high:g} °C</title></rect>']
    for n, e in enumerate(assessment.excursions, start=1):
        left, right = x(e.start), max(x(e.end), x(e.start) + 2)
        parts.append(f'<rect x="{left:.1f}" y="{TOP}" width="{right - left:.1f}" '
                     f'height="{HEIGHT - TOP - BOTTOM}" fill="url(#hatch)" stroke="#b91c1c">'
                     f"<title>excursion {n}: {e.start:%Y-%m-%d %H:%M} to {e.end:%H:%M}, "
                     f"{e.lowest:g} to {e.highest:g} °C</title></rect>"
                     f'<text x="{left + 2:.1f}" y="{TOP - 6}" font-size="11" fill="#7f1d1d">'
                     f"E{n}</text>")
    shown = ordered[::max(1, len(ordered) // MAX_POINTS)]
    steps = zip(shown, [*shown[1:], shown[-1]], strict=True)  # a reading holds until the next
    points = " ".join(f"{x(a.time):.1f},{y(a.celsius):.1f} {x(b.time):.1f},{y(a.celsius):.1f}"
                      for a, b in steps)
    parts.append(f'<polyline points="{points}" fill="none" stroke="#111827" stroke-width="1.5"/>')
    parts += _axes(low, high, t0, t1, y)
    return "".join(parts) + "</svg>"


def _defs() -> str:
    return ('<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fee2e2"/>'
            '<line x1="0" y1="0" x2="0" y2="6" stroke="#b91c1c" stroke-width="2"/>'
            "</pattern></defs>")


def _axes(low: float, high: float, t0: datetime, t1: datetime, y) -> list[str]:
    out = [f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="#374151"/>',
           f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" '
           f'y2="{HEIGHT - BOTTOM}" stroke="#374151"/>']
    tick = max(1, round((high - low) / 6))
    for c in range(int(low) + 1, int(high) + 1, tick):
        out.append(f'<text x="{LEFT - 6}" y="{y(c) + 4:.1f}" font-size="11" fill="#111827" '
                   f'text-anchor="end">{c} °C</text>')
    out.append(f'<text x="{LEFT}" y="{HEIGHT - 14}" font-size="11" fill="#111827">{t0.astimezone(UTC):%Y-%m-%d %H:%M}</text>')
    out.append(f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 14}" font-size="11" fill="#111827" '
               f'text-anchor="end">{t1.astimezone(UTC):%Y-%m-%d %H:%M} UTC</text>')
    return out


WORDS = {"ok": "in range throughout", "excursion-within-budget": "an excursion within the budget",
         "excursion": "an excursion beyond the budget: unfit until QA clears it",
         "no-data": "no temperature readings", "no-range": "no storage range set for the product"}


def words(assessment: Assessment, storage: StorageRange | None, verdict: str) -> str:
    """What the chart shows, in words (for screen readers, reports and printouts)."""
    a, s = assessment, storage
    if not a.readings:
        return "No temperature readings."
    assert a.first and a.last and a.lowest is not None and a.highest is not None
    out = (f"{a.readings} reading(s) over {a.legs} leg(s), {a.first:%Y-%m-%d %H:%M} to "
           f"{a.last:%Y-%m-%d %H:%M} UTC, {a.lowest:g} to {a.highest:g} °C: {WORDS[verdict]}.")
    if s:
        out += (f" {a.outside.total_seconds() / 60:g} min outside {s.low:g} to {s.high:g} °C of a "
                f"{s.budget.total_seconds() / 60:g} min budget.")
        out += "".join(f" Excursion {n}: {e.start:%Y-%m-%d %H:%M} to {e.end:%H:%M} UTC, "
                       f"{e.lowest:g} to {e.highest:g} °C." for n, e in enumerate(a.excursions, 1))
    return out + (f" {len(a.gaps)} gap(s) without readings." if a.gaps else "")
