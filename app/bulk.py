"""Bulk reads and writes: binary COPY and array parameters on PostgreSQL, batches elsewhere;
the garbage collector paused while the objects are made."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Row, Select, insert, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import ColumnElement, FromClause
from sqlalchemy.sql.schema import Table

from app.dialect import in_values, is_postgresql
from app.models.base import UTCDateTime

COPY_MIN_ROWS = 200  # below this, a plain multi-row INSERT is as fast as COPY
IN_CHUNK = 2000  # values per IN (...) list, a placeholder each
ARRAY_CHUNK = 20_000  # values per PostgreSQL array parameter


async def insert_rows(
    session: AsyncSession,
    table: FromClause,
    rows: Sequence[Any],
    columns: Sequence[str] | None = None,
) -> None:
    """Bulk insert: COPY on PostgreSQL for large batches, executemany otherwise.

    ``rows`` are dicts keyed by column name, or tuples in the order of ``columns``.
    """
    assert isinstance(table, Table), "a mapped class's __table__ is its Table"
    if not rows:
        return
    if columns is not None and len(rows) >= COPY_MIN_ROWS and not is_postgresql(session):
        await _executemany(session, table, rows, columns)
        return
    if not is_postgresql(session) or len(rows) < COPY_MIN_ROWS:
        if columns is not None:
            rows = [dict(zip(columns, row, strict=True)) for row in rows]
        await session.execute(insert(table), rows)
        return
    if columns is None:
        columns = list(rows[0])
        rows = [[row[c] for c in columns] for row in rows]
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None, "a pooled connection always has its driver connection"
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    async with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types([_pg_type(table.c[name].type) for name in columns])
        for row in rows:
            await copy.write_row(row)


async def _executemany(session: AsyncSession, table: Table, rows: Sequence[Sequence[Any]],
                       columns: Sequence[str]) -> None:
    """SQLite: one driver ``executemany`` of tuples, each column's type conversion applied a
    column at a time (SQLAlchemy's insert builds and converts a dict per row: 10x slower)."""
    connection = await session.connection()
    dialect = connection.dialect
    values: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for i, name in enumerate(columns):
        kind = table.c[name].type
        convert = (_sqlite_utc if isinstance(kind, UTCDateTime)
                   else kind.dialect_impl(dialect).bind_processor(dialect))
        if convert is not None:
            values[i] = [None if v is None else convert(v) for v in values[i]]
    marks = ", ".join("?" * len(columns))
    await connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})",
        list(zip(*values, strict=True)))


def _sqlite_utc(value: datetime) -> str:
    """What :class:`UTCDateTime` stores in SQLite, 7x faster than its generic conversion (a
    test holds the two equal)."""
    if value.tzinfo is None:
        raise ValueError(f"expected a timezone-aware datetime, got naive {value.isoformat()}")
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]  # less "+00:00"


_PG_TYPES = {
    "BIGINT": "int8",
    "INTEGER": "int4",
    "SMALLINT": "int2",
    "BYTEA": "bytea",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TEXT": "text",
    "BOOLEAN": "bool",
    "FLOAT": "float8",  # FLOAT without a precision is double precision
}


def _pg_type(column_type) -> str:
    """The PostgreSQL type name binary COPY needs for a column (exact, or COPY fails)."""
    name = column_type.compile(dialect=postgresql.dialect()).split("(")[0]
    return _PG_TYPES.get(name, name.lower())


async def update_rows(session: AsyncSession, table: FromClause, rows: Sequence[dict[str, Any]],
                      key: str = "id") -> bool:
    """Bulk UPDATE by ``key`` on PostgreSQL: one ``UPDATE .. FROM unnest(arrays)`` for a large
    batch (an executemany sends a statement per row). Returns False, doing nothing, elsewhere
    or for a small batch: the caller runs its executemany then.

    Every row names the same columns.
    """
    assert isinstance(table, Table), "a mapped class's __table__ is its Table"
    if not rows or not is_postgresql(session) or len(rows) < COPY_MIN_ROWS:
        return False
    columns = list(rows[0])
    arrays = ", ".join(f"CAST(:c{i} AS {_pg_type(table.c[c].type)}[])" for i, c in enumerate(columns))
    sets = ", ".join(f"{c} = v.{c}" for c in columns if c != key)
    statement = text(f"UPDATE {table.name} AS t SET {sets} FROM unnest({arrays}) "
                     f"AS v({', '.join(columns)}) WHERE t.{key} = v.{key}")
    await session.execute(statement, {
        f"c{i}": [None if (v := row[c]) is None else (str(v) if isinstance(v, str) else v)
                  for row in rows] for i, c in enumerate(columns)})
    return True


_Ts = TypeVarTuple("_Ts")


async def select_in(
    session: AsyncSession, query: Select[*_Ts], key: Any, values: Sequence[object]
) -> list[Row[*_Ts]]:
    """Rows of ``query`` whose ``key`` is among ``values``, a chunk of values at a time.

    Duplicates in ``values`` are looked up once; PostgreSQL takes a chunk as one array
    parameter (:func:`app.dialect.in_values`), so its chunks are larger.
    """
    values = list(dict.fromkeys(values))
    size = ARRAY_CHUNK if is_postgresql(session) else IN_CHUNK
    rows: list[Row[*_Ts]] = []
    for start in range(0, len(values), size):
        where = in_values(session, key, values[start : start + size])
        rows.extend(await session.execute(query.where(where)))
    return rows


async def keyset_pages(
    session: AsyncSession, query: Select[*_Ts], key: ColumnElement[int] | InstrumentedAttribute[int], size: int = 5_000
) -> AsyncIterator[Sequence[Row[*_Ts]]]:
    """``query``'s rows by ``key`` (its first column), ``size`` at a time: each page starts
    after the last key of the one before, so no page rereads or skips a row."""
    query = query.order_by(key).limit(size)
    last = None
    while True:
        page = (await session.execute(query if last is None else query.where(key > last))).all()
        if page:
            yield page
        if len(page) < size:
            return
        last = page[-1]._mapping[key]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bulk of objects is made (a capture job, a
    logger upload); the first to pause it resumes it.

    A large document means millions of live, acyclic objects (events, units, hops, rows);
    each full collection walks all of them again, about a sixth of a 1M-unit job's time (a
    fifth of a 100,000-reading upload's). Reference counting still frees them; cycles made
    meanwhile wait for the next collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
