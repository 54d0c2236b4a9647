"""Event identifiers get a role (epc, parent, input, output) for the EPCIS MATCH_* parameters.

The primary key becomes (event_id, epc, role): an identifier that is both an input and an
output of a TransformationEvent has a row for each. Existing rows are backfilled from the
stored event bodies (JSON, read here so the same code runs on SQLite and PostgreSQL): the
``parentID``, ``inputEPCList`` and ``outputEPCList`` values get their role, and so does
the EPC URN that ingest stored beside a Digital Link ``parentID`` (matched by GS1 key).
Everything else stays ``epc`` (epcList, childEPCs). Downgrade keeps one row per
(event_id, epc).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 17:56:02

"""
import json
import re
from collections.abc import Iterator, Sequence
from urllib.parse import unquote

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = sa.Enum('epc', 'parent', 'input', 'output', name='epcrole', native_enum=False, length=6)
# Only these event types have parentID, inputEPCList or outputEPCList.
TYPES = ('AggregationEvent', 'TransactionEvent', 'AssociationEvent', 'TransformationEvent')
BATCH = 1000

events = sa.table('epcis_events', sa.column('id', sa.Integer), sa.column('event_type', sa.String),
                  sa.column('body', sa.Text))
epcs = sa.table('event_epcs', sa.column('event_id', sa.Integer), sa.column('epc', sa.String),
                sa.column('role', sa.String))

_DL_SGTIN = re.compile(r'https?://[^/]+(?:/.*)?/01/(\d{14})/21/([^/?#]+)')
_DL_SSCC = re.compile(r'https?://[^/]+(?:/.*)?/00/(\d{18})(?:[/?#]|$)')
_URN = re.compile(r'urn:epc:id:(sgtin|sscc):(\d+)\.(\d+)(?:\.(.+))?$')


def gs1_key(identifier: str) -> tuple[str, ...] | None:
    """An SGTIN's or SSCC's GS1 key (check digit dropped), from a Digital Link URI or EPC URN."""
    if m := _DL_SGTIN.match(identifier):
        return ('01', m.group(1)[:13], unquote(m.group(2)))
    if m := _DL_SSCC.match(identifier):
        return ('00', m.group(1)[:17])
    if (m := _URN.match(identifier)) and (m.group(1) == 'sscc') == (m.group(4) is None):
        prefix, reference = m.group(2), m.group(3)
        key = reference[:1] + prefix + reference[1:]
        return ('01', key, unquote(m.group(4))) if m.group(1) == 'sgtin' else ('00', key)
    return None


def roles(body: str, stored: list[str]) -> Iterator[tuple[str, str]]:
    """(epc, role) for each identifier of a stored event body that is not in role ``epc``."""
    event = json.loads(body)['epcisBody']['eventList'][0]
    parent = event.get('parentID')
    if parent:
        key = gs1_key(parent) if not parent.startswith('urn:') else None
        for epc in stored:
            if epc == parent or (key is not None and gs1_key(epc) == key):
                yield epc, 'parent'
    for field, role in (('inputEPCList', 'input'), ('outputEPCList', 'output')):
        for epc in dict.fromkeys(event.get(field) or ()):
            yield epc, role


def backfill() -> None:
    bind = op.get_bind()
    after = 0
    while True:
        rows = bind.execute(
            sa.select(events.c.id, events.c.body)
            .where(events.c.id > after, events.c.event_type.in_(TYPES))
            .order_by(events.c.id).limit(BATCH)).all()
        if not rows:
            return
        after = rows[-1].id
        stored: dict[int, list[str]] = {}
        for event_id, epc in bind.execute(sa.select(epcs.c.event_id, epcs.c.epc).where(
                epcs.c.event_id.in_([r.id for r in rows]))):
            stored.setdefault(event_id, []).append(epc)
        update, insert = [], []
        for event_id, body in rows:
            done: set[str] = set()
            for epc, role in roles(body, stored.get(event_id, [])):
                if epc not in stored.get(event_id, ()):
                    continue  # not indexed at ingest (never the case today)
                row = {'e': event_id, 'x': epc, 'role': role}
                (insert if epc in done else update).append(row)
                done.add(epc)
        if update:
            bind.execute(epcs.update().where(epcs.c.event_id == sa.bindparam('e'),
                                             epcs.c.epc == sa.bindparam('x'))
                         .values(role=sa.bindparam('role')), update)
        if insert:
            bind.execute(epcs.insert(), [{'event_id': r['e'], 'epc': r['x'], 'role': r['role']}
                                         for r in insert])


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('event_epcs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', ROLE, nullable=False, server_default='epc'))
        batch_op.drop_constraint('pk_event_epcs', type_='primary')
        batch_op.create_primary_key('pk_event_epcs', ['event_id', 'epc', 'role'])
    backfill()
    with op.batch_alter_table('event_epcs', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=ROLE, existing_nullable=False,
                              server_default=None)


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DELETE FROM event_epcs WHERE EXISTS (SELECT 1 FROM event_epcs AS other "
               "WHERE other.event_id = event_epcs.event_id AND other.epc = event_epcs.epc "
               "AND other.role < event_epcs.role)")
    with op.batch_alter_table('event_epcs', schema=None) as batch_op:
        batch_op.drop_constraint('pk_event_epcs', type_='primary')
        batch_op.create_primary_key('pk_event_epcs', ['event_id', 'epc'])
        batch_op.drop_column('role')
