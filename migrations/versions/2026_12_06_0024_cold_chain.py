"""Cold chain: products' storage range and excursion budget, temperature readings per
identifier, and the alerts (units made suspect by an excursion) - both append-only.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 23:20:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.dialect import backend
from app.models.append_only import append_only_ddl, drop_append_only_ddl

# revision identifiers, used by Alembic.
revision: str = '0024'
down_revision: str | Sequence[str] | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("temperature_readings", "coldchain_alerts")


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('products') as batch:
        batch.add_column(sa.Column('storage_low_c', sa.Float(), nullable=True))
        batch.add_column(sa.Column('storage_high_c', sa.Float(), nullable=True))
        batch.add_column(sa.Column('excursion_budget_minutes', sa.Integer(), nullable=True))
    op.create_table(
        'temperature_readings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('epc', sa.String(length=200), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('celsius', sa.Float(), nullable=False),
        sa.Column('low', sa.Float(), nullable=True),
        sa.Column('high', sa.Float(), nullable=True),
        sa.Column('source', sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_temperature_readings')),
    )
    op.create_index('ix_temperature_readings_epc_at', 'temperature_readings', ['epc', 'at'])
    op.create_index(op.f('ix_temperature_readings_source'), 'temperature_readings', ['source'])
    op.create_table(
        'coldchain_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('investigation_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['investigation_id'], ['investigations.id'],
                                name=op.f('fk_coldchain_alerts_investigation_id_investigations')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'],
                                name=op.f('fk_coldchain_alerts_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_coldchain_alerts')),
        sa.UniqueConstraint('unit_id', 'fingerprint',
                            name=op.f('uq_coldchain_alerts_unit_id_fingerprint')),
    )
    op.create_index(op.f('ix_coldchain_alerts_investigation_id'), 'coldchain_alerts',
                    ['investigation_id'])
    dialect = backend(op.get_bind())
    for table in APPEND_ONLY:
        for statement in append_only_ddl(table, dialect):
            op.execute(statement)


def downgrade() -> None:
    """Downgrade schema."""
    dialect = backend(op.get_bind())
    for table in APPEND_ONLY:
        for statement in drop_append_only_ddl(table, dialect):
            op.execute(statement)
    op.drop_table('coldchain_alerts')
    op.drop_table('temperature_readings')
    with op.batch_alter_table('products') as batch:
        batch.drop_column('excursion_budget_minutes')
        batch.drop_column('storage_high_c')
        batch.drop_column('storage_low_c')
