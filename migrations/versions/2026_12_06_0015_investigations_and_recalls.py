"""Suspect-product investigations and recalls, append-only like the ledger.

Revision ID: 0015
Revises: 0007
Create Date: 2026-12-06 20:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.dialect import backend
from app.models.append_only import append_only_ddl, drop_append_only_ddl

# revision identifiers, used by Alembic.
revision: str = '0015'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {"investigations": ("opened_at",), "investigation_units": ("unit_id",),
           "investigation_entries": ("investigation_id",), "recalls": ("gtin",),
           "recall_lots": ("lot",)}
TABLES = ("investigations", "investigation_units", "investigation_entries", "recalls",
          "recall_lots")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('investigations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by', sa.String(length=100), nullable=False),
    sa.Column('trigger', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investigations'))
    )
    op.create_index(op.f('ix_investigations_opened_at'), 'investigations', ['opened_at'])
    op.create_table('investigation_units',
    sa.Column('investigation_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['investigation_id'], ['investigations.id'], name=op.f('fk_investigation_units_investigation_id_investigations')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_investigation_units_unit_id_units')),
    sa.PrimaryKeyConstraint('investigation_id', 'unit_id', name=op.f('pk_investigation_units'))
    )
    op.create_index(op.f('ix_investigation_units_unit_id'), 'investigation_units', ['unit_id'])
    op.create_table('investigation_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('investigation_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('note', 'cleared', 'illegitimate', 'notified', 'follow_up', 'termination', name='entrykind', native_enum=False, create_constraint=False, length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['investigation_id'], ['investigations.id'], name=op.f('fk_investigation_entries_investigation_id_investigations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investigation_entries'))
    )
    op.create_index(op.f('ix_investigation_entries_investigation_id'), 'investigation_entries', ['investigation_id'])
    op.create_table('recalls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('recall_class', sa.String(length=3), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['issuer_id'], ['trading_partners.id'], name=op.f('fk_recalls_issuer_id_trading_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recalls'))
    )
    op.create_index(op.f('ix_recalls_gtin'), 'recalls', ['gtin'])
    op.create_table('recall_lots',
    sa.Column('recall_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['recall_id'], ['recalls.id'], name=op.f('fk_recall_lots_recall_id_recalls')),
    sa.PrimaryKeyConstraint('recall_id', 'lot', name=op.f('pk_recall_lots'))
    )
    op.create_index(op.f('ix_recall_lots_lot'), 'recall_lots', ['lot'])
    dialect = backend(op.get_bind())
    for table in TABLES:
        for statement in append_only_ddl(table, dialect):
            op.execute(statement)


def downgrade() -> None:
    """Downgrade schema."""
    dialect = backend(op.get_bind())
    for table in reversed(TABLES):
        for statement in drop_append_only_ddl(table, dialect):
            op.execute(statement)
    for table in reversed(TABLES):
        for index in INDEXES.get(table, ()):
            op.drop_index(op.f(f'ix_{table}_{index}'), table_name=table)
        op.drop_table(table)
