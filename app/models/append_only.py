"""Database triggers that make a table append-only (UPDATE, DELETE and TRUNCATE refused).

Used by migrations: ``op.execute`` each statement of :func:`append_only_ddl`. Corrections to
append-only data are new rows, never edits.
"""

from __future__ import annotations

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION custody_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def append_only_ddl(table: str, dialect: str) -> list[str]:
    """Statements that install the append-only triggers on ``table`` for ``dialect``."""
    if dialect == "postgresql":
        return [
            PG_FUNCTION,
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION custody_refuse_change()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION custody_refuse_change()",
        ]
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only: {op} refused'); END"
            for op in ("UPDATE", "DELETE")
        ]
    raise ValueError(f"append-only triggers support postgresql and sqlite, got {dialect!r}")


def drop_append_only_ddl(table: str, dialect: str) -> list[str]:
    """Statements that remove what :func:`append_only_ddl` installed on ``table``."""
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_no_{op} " for op in ("update", "delete")]
