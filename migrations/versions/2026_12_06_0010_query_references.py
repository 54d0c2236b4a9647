"""EPCIS query fields, and documents identified per partner.

- ``event_references``: each event's read point, business transactions, sources and
  destinations (field, CBV type URN, value), for ``EQ_readPoint``,
  ``EQ_bizTransaction_<type>``, ``EQ_source_<type>`` and ``EQ_destination_<type>``;
  backfilled from the stored event bodies (JSON, so the same code runs on both databases).
- ``epcis_events.record_time`` is indexed, for ``GE_``/``LT_recordTime`` and
  ``orderBy=recordTime``.
- ``raw_documents`` is unique by (partner, content hash) instead of content hash alone: a
  partner posting bytes another partner posted gets its own document and job, so the answer
  does not tell it that someone else sent them. Downgrading fails while two partners hold
  the same bytes.

SQLite rebuilds ``raw_documents`` to change its constraint, which drops its append-only
triggers: they are installed again.

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-06 19:00:00

"""
import json
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

from app.dialect import backend, is_sqlite
from app.models.append_only import append_only_ddl
from epcis.cbv import to_urn

# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
events = sa.table('epcis_events', sa.column('id', sa.Integer), sa.column('body', sa.Text))
references = sa.table('event_references', sa.column('event_id', sa.Integer),
                      sa.column('field', sa.String), sa.column('type', sa.String),
                      sa.column('value', sa.String))
LISTS = (('bizTransactionList', 'bizTransaction', 'btt'), ('sourceList', 'source', 'sdt'),
         ('destinationList', 'destination', 'sdt'))


def named(body: str) -> Iterator[tuple[str, str, str]]:
    """(field, type URN, value) of a stored event body (EPCIS 2.0 JSON-LD, bare CBV words)."""
    event = json.loads(body)['epcisBody']['eventList'][0]
    if (event.get('readPoint') or {}).get('id'):
        yield 'readPoint', '', event['readPoint']['id']
    for key, field, kind in LISTS:
        for entry in event.get(key) or ():
            kind_of = entry.get('type')
            yield field, to_urn(kind, kind_of) if kind_of else '', entry[field]


def backfill() -> None:
    bind = op.get_bind()
    after = 0
    while rows := bind.execute(sa.select(events.c.id, events.c.body).where(events.c.id > after)
                               .order_by(events.c.id).limit(BATCH)).all():
        after = rows[-1].id
        found = [{'event_id': i, 'field': f, 'type': t, 'value': v}
                 for i, body in rows for f, t, v in dict.fromkeys(named(body))]
        if found:
            bind.execute(references.insert(), found)


def _document_key(old: list[str], new: list[str]) -> None:
    with op.batch_alter_table('raw_documents', schema=None, recreate='auto') as batch_op:
        batch_op.drop_constraint(op.f(f"uq_raw_documents_{'_'.join(old)}"), type_='unique')
        batch_op.create_unique_constraint(op.f(f"uq_raw_documents_{'_'.join(new)}"), new)
    if is_sqlite(op.get_bind()):  # the rebuilt table lost its triggers
        for statement in append_only_ddl('raw_documents', backend(op.get_bind())):
            op.execute(statement)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('event_references',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=14), nullable=False),
    sa.Column('type', sa.String(length=200), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['epcis_events.id'], name=op.f('fk_event_references_event_id_epcis_events')),
    sa.PrimaryKeyConstraint('event_id', 'field', 'type', 'value', name=op.f('pk_event_references'))
    )
    op.create_index(op.f('ix_event_references_value'), 'event_references', ['value'], unique=False)
    op.create_index(op.f('ix_epcis_events_record_time'), 'epcis_events', ['record_time'], unique=False)
    backfill()
    _document_key(['content_hash'], ['partner_id', 'content_hash'])


def downgrade() -> None:
    """Downgrade schema."""
    _document_key(['partner_id', 'content_hash'], ['content_hash'])
    op.drop_index(op.f('ix_epcis_events_record_time'), table_name='epcis_events')
    op.drop_index(op.f('ix_event_references_value'), table_name='event_references')
    op.drop_table('event_references')
