"""The PHI scan: is any of a patient's details anywhere in a PostgreSQL database (every table of
a ``pg_dump``) or in log text? Shared by ``tests/cases/test_phi.py`` and
``benchmarks/bench_phi.py``.

Matching is case-insensitive substring search, so a name upper-cased into a column or split
into a log field is still found; the vault's sealed records are ciphertext and never match.
"""

from __future__ import annotations

import bisect
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import make_url

COPY = re.compile(r"COPY (?:public\.)?(\S+) \(.*\) FROM stdin;")


@dataclass(frozen=True)
class Hit:
    """``detail`` found in ``where`` (a table's name, or ``log``)."""

    where: str
    detail: str


@dataclass(frozen=True)
class Scan:
    """A scan's dump (for the caller's own checks), its size in tables and rows, and its hits."""

    dump: str
    tables: int
    rows: int
    hits: list[Hit]


def pg_dump(url: str) -> str:
    """``pg_dump --data-only`` of the database at SQLAlchemy ``url`` (every table's rows)."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run(["pg_dump", "--data-only", dsn], capture_output=True, text=True,
                          check=True).stdout


def search(text: str, details: Iterable[str], where: str = "log") -> list[Hit]:
    """Each of ``details`` found in ``text``, named by the dump table it lies in (``where``
    outside any table's rows).

    >>> search("COPY public.notes (body) FROM stdin;\\nDr. ADA Lovelace\\n\\\\.\\n", ["ada", "x"])
    [Hit(where='notes', detail='ada')]
    """
    lowered = text.lower()
    sections = list(_tables(text))
    starts = [start for start, _ in sections]
    hits = []
    for detail in dict.fromkeys(d.lower() for d in details if d):
        found, at = set(), lowered.find(detail)
        while at >= 0:
            i = bisect.bisect_right(starts, at) - 1
            end = text.find("\n\\.\n", starts[i]) if i >= 0 else -1
            found.add(sections[i][1] if i >= 0 and at < end else where)
            at = lowered.find(detail, at + len(detail))
        hits += [Hit(w, detail) for w in sorted(found)]
    return hits


def _tables(dump: str) -> Iterable[tuple[int, str]]:
    """(offset, table) of each table's rows in a dump: its ``COPY ... FROM stdin;`` line."""
    at = 0 if dump.startswith("COPY ") else dump.find("\nCOPY ")
    while at >= 0:
        start = at + (dump[at] == "\n")
        header = COPY.match(dump, start, dump.find("\n", start))
        if header:
            yield header.end(), header[1]
        at = dump.find("\nCOPY ", start)


def scan(url: str, logs: str, details: Sequence[str]) -> Scan:
    """Search every table of the database at ``url`` and the ``logs`` for ``details``."""
    dump = pg_dump(url)
    tables = list(_tables(dump))
    rows = sum(dump.count("\n", at, dump.find("\n\\.\n", at)) for at, _ in tables)
    return Scan(dump, len(tables), rows, search(dump, details, "dump") + search(logs, details))
