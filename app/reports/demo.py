"""What ``custody demo`` says about reports: a unit report's URL and how to verify its bundle."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote


def demo_lines(base: str, unit: str, key_dir: Path) -> str:
    """The lines to print: the report URL (any format), and fetching and verifying its bundle."""
    url = f"{base}/reports/units/{quote(unit, safe=':')}"
    return (
        f"provenance report of {unit} (report, regulator or admin key; format=html|pdf|csv too):\n"
        f"  {url}?format=html   (staff page: {base}/staff/reports?unit={quote(unit, safe='')})\n"
        f"  verify its proof bundle offline, with nothing but the public key:\n"
        f"  curl -sH 'Authorization: Bearer <key>' {url} > bundle.json && "
        f"custody report verify bundle.json --key {key_dir / 'checkpoint.pub'}"
    )
