"""The database itself refuses to rewrite append-only tables."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.models import AuditEntry


async def test_audit_log_refuses_update_and_delete(session, connection):
    session.add(AuditEntry(actor="pharmacist:ana", action="quarantine", subject="unit 1"))
    await session.flush()
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError) as caught:
            async with connection.begin_nested():
                await connection.execute(text(statement))
        assert "table audit_log is append-only" in str(caught.value)
    assert (await connection.execute(text("SELECT actor FROM audit_log"))).scalars().all() == [
        "pharmacist:ana"
    ]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite has no TRUNCATE
async def test_postgres_refuses_truncate(session, connection):
    with pytest.raises(DBAPIError, match="table audit_log is append-only: TRUNCATE refused"):
        async with connection.begin_nested():
            await connection.execute(text("TRUNCATE audit_log"))
