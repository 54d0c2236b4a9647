"""PostgreSQL: the event_epcs.epc index compares bytes, so MATCH_* patterns can use it.

A pattern (``urn:epc:idpat:sgtin:0312345.060011.*``) is queried as ``epc LIKE 'prefix%'``.
Under any collation but C, PostgreSQL cannot answer that from a plain btree index (the
collation's order is not byte order), so every pattern query read the whole table. The
index is rebuilt, under the same name, with ``varchar_pattern_ops``; it still serves
``=`` and ``IN``, so no second index is needed. The new index is built CONCURRENTLY
beside the old one, then swapped in by name, so captures and queries go on during the
build; an interrupted build leaves an invalid ``ix_event_epcs_epc_new``, which the next
run drops and builds again.

SQLite: nothing. Its LIKE is case-insensitive by default, and its LIKE optimisation wants
case-sensitive LIKE and a pattern that is a plain literal or parameter (ours is
``? || '%' ESCAPE '/'``), so no index serves this query there; the plain index keeps
serving exact identifiers.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 19:30:00

"""
from collections.abc import Sequence

from alembic import op

from app.dialect import is_postgresql

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _epc_index(**ops: str) -> None:
    if not is_postgresql(op.get_bind()):
        return
    # CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction.
    with op.get_context().autocommit_block():
        op.drop_index('ix_event_epcs_epc_new', table_name='event_epcs', if_exists=True,
                      postgresql_concurrently=True)
        op.create_index('ix_event_epcs_epc_new', 'event_epcs', ['epc'], postgresql_ops=ops,
                        postgresql_concurrently=True)
        op.drop_index('ix_event_epcs_epc', table_name='event_epcs', postgresql_concurrently=True)
        op.execute('ALTER INDEX ix_event_epcs_epc_new RENAME TO ix_event_epcs_epc')


def upgrade() -> None:
    """Upgrade schema."""
    _epc_index(epc='varchar_pattern_ops')


def downgrade() -> None:
    """Downgrade schema."""
    _epc_index()
