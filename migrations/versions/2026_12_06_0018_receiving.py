"""Receiving: deliveries checked against shipments; lines, scans and exceptions append-only.

Revision ID: 0018
Revises: 0022
Create Date: 2026-12-06 22:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.dialect import backend
from app.models.append_only import append_only_ddl, drop_append_only_ddl

# revision identifiers, used by Alembic.
revision: str = '0018'
down_revision: str | Sequence[str] | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("receiving_lines", "receiving_scans", "receiving_exceptions")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('receivings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment', sa.String(length=100), nullable=True),
    sa.Column('shipper_id', sa.Integer(), nullable=True),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by', sa.String(length=100), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=100), nullable=True),
    sa.Column('receipt_job_id', sa.String(length=36), nullable=True),
    sa.Column('investigation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['investigation_id'], ['investigations.id'], name=op.f('fk_receivings_investigation_id_investigations')),
    sa.ForeignKeyConstraint(['receipt_job_id'], ['capture_jobs.id'], name=op.f('fk_receivings_receipt_job_id_capture_jobs')),
    sa.ForeignKeyConstraint(['shipper_id'], ['trading_partners.id'], name=op.f('fk_receivings_shipper_id_trading_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receivings')),
    sa.UniqueConstraint('shipment', name=op.f('uq_receivings_shipment'))
    )
    op.create_index(op.f('ix_receivings_opened_at'), 'receivings', ['opened_at'])
    op.create_table('receiving_lines',
    sa.Column('receiving_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('identifier', sa.String(length=200), nullable=False),
    sa.Column('parent', sa.String(length=40), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('lot', sa.String(length=20), nullable=True),
    sa.Column('expiry', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['receiving_id'], ['receivings.id'], name=op.f('fk_receiving_lines_receiving_id_receivings')),
    sa.PrimaryKeyConstraint('receiving_id', 'key', name=op.f('pk_receiving_lines'))
    )
    op.create_index('ix_receiving_lines_parent', 'receiving_lines', ['receiving_id', 'parent'])
    op.create_table('receiving_scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receiving_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('lot', sa.String(length=20), nullable=True),
    sa.Column('expiry', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['receiving_id'], ['receivings.id'], name=op.f('fk_receiving_scans_receiving_id_receivings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receiving_scans'))
    )
    op.create_index('ix_receiving_scans_key', 'receiving_scans', ['receiving_id', 'key'])
    op.create_table('receiving_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receiving_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('identifier', sa.String(length=200), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['receiving_id'], ['receivings.id'], name=op.f('fk_receiving_exceptions_receiving_id_receivings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receiving_exceptions'))
    )
    op.create_index(op.f('ix_receiving_exceptions_receiving_id'), 'receiving_exceptions', ['receiving_id'])
    dialect = backend(op.get_bind())
    for table in APPEND_ONLY:
        for statement in append_only_ddl(table, dialect):
            op.execute(statement)


def downgrade() -> None:
    """Downgrade schema."""
    dialect = backend(op.get_bind())
    for table in reversed(APPEND_ONLY):
        for statement in drop_append_only_ddl(table, dialect):
            op.execute(statement)
    op.drop_index(op.f('ix_receiving_exceptions_receiving_id'), table_name='receiving_exceptions')
    op.drop_table('receiving_exceptions')
    op.drop_index('ix_receiving_scans_key', table_name='receiving_scans')
    op.drop_table('receiving_scans')
    op.drop_index('ix_receiving_lines_parent', table_name='receiving_lines')
    op.drop_table('receiving_lines')
    op.drop_index(op.f('ix_receivings_opened_at'), table_name='receivings')
    op.drop_table('receivings')
