"""Bulk writes and chunked reads, and the few questions only app.dialect asks."""

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from app import bulk, dialect
from app.models import CaptureJob, LedgerNode


def rows(n: int) -> list[tuple[int, int, bytes]]:
    return [(1, i, i.to_bytes(32, "big")) for i in range(n)]


async def test_rows_go_in_by_copy_or_executemany_as_dicts_or_tuples(session):
    few = [dict(zip(("level", "idx", "hash"), row, strict=True)) for row in rows(3)]
    await bulk.insert_rows(session, LedgerNode.__table__, few)
    many = rows(bulk.COPY_MIN_ROWS + 50)[3:]  # COPY on PostgreSQL
    await bulk.insert_rows(session, LedgerNode.__table__, many, ("level", "idx", "hash"))
    await bulk.insert_rows(session, LedgerNode.__table__, [])
    stored = (await session.execute(select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash)
                                    .order_by(LedgerNode.idx))).all()
    assert [tuple(r) for r in stored] == rows(bulk.COPY_MIN_ROWS + 50)


async def test_select_in_reads_every_chunk_and_each_value_once(session, monkeypatch):
    await bulk.insert_rows(session, LedgerNode.__table__, rows(25), ("level", "idx", "hash"))
    monkeypatch.setattr(bulk, "IN_CHUNK", 4)
    monkeypatch.setattr(bulk, "ARRAY_CHUNK", 4)
    wanted = [*range(0, 25, 2), 0, 2, 99]
    found = await bulk.select_in(session, select(LedgerNode.idx), LedgerNode.idx, wanted)
    assert sorted(i for (i,) in found) == list(range(0, 25, 2))


async def test_the_dialect_is_asked_of_sessions_connections_and_engines(session, connection):
    name = dialect.backend(session)
    assert name in ("postgresql", "sqlite")
    assert dialect.backend(connection) == dialect.backend(connection.engine) == name
    assert dialect.is_postgresql(session) is (name == "postgresql")
    assert dialect.is_sqlite(session) is (name == "sqlite")
    await dialect.write_lock(session)  # a writer from here on; changes no row
    assert await session.scalar(select(func.count()).select_from(CaptureJob)) == 0


async def test_row_locks_and_array_parameters_are_postgresqls(session):
    query = dialect.for_update(session, select(CaptureJob.id), skip_locked=True)
    where = dialect.in_values(session, CaptureJob.id, ["a", "b"])
    if dialect.is_postgresql(session):
        assert str(query.compile(dialect=postgresql.dialect())).endswith("FOR UPDATE SKIP LOCKED")
        assert "= ANY (" in str(where.compile(dialect=postgresql.dialect()))
    else:
        assert "FOR UPDATE" not in str(query.compile(dialect=sqlite.dialect()))
        assert " IN (" in str(where.compile(dialect=sqlite.dialect()))


async def test_keyset_pages_read_every_row_once_in_key_order(session):
    await bulk.insert_rows(session, LedgerNode.__table__, rows(7), ("level", "idx", "hash"))
    pages = [[tuple(r) for r in page] async for page in bulk.keyset_pages(
        session, select(LedgerNode.idx, LedgerNode.level), LedgerNode.idx, size=3)]
    assert pages == [[(0, 1), (1, 1), (2, 1)], [(3, 1), (4, 1), (5, 1)], [(6, 1)]]


async def test_update_rows_sets_every_column_by_key_in_one_statement_on_postgresql(session):
    from datetime import UTC, datetime

    from app.models import Unit, UnitStatus

    n = bulk.COPY_MIN_ROWS + 5
    await bulk.insert_rows(session, Unit.__table__, [
        {"identifier": f"urn:epc:id:sgtin:0312345.060011.U{i}", "kind": "sgtin",
         "gtin": "00312345600112", "serial": f"U{i}", "status": "commissioned",
         "updated_at": datetime(2026, 1, 1, tzinfo=UTC)} for i in range(n)])
    ids = list((await session.scalars(select(Unit.id).order_by(Unit.id))).all())[-n:]
    now = datetime(2026, 12, 6, tzinfo=UTC)
    changes = [{"id": i, "status": UnitStatus.SHIPPED, "parent_id": None, "updated_at": now}
               for i in ids]
    done = await bulk.update_rows(session, Unit.__table__, changes)
    assert done is dialect.is_postgresql(session)  # elsewhere the caller's executemany runs
    assert await bulk.update_rows(session, Unit.__table__, changes[:3]) is False  # small batch
    if done:
        stored = (await session.execute(select(Unit.status, Unit.updated_at)
                                        .where(Unit.id.in_(ids)))).all()
        assert set(stored) == {("shipped", now)}
