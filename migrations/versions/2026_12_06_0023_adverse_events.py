"""Adverse-event reports on named-patient cases (append-only).

Revision ID: 0023
Revises: 0016
Create Date: 2026-12-06 23:20:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.dialect import backend
from app.models.append_only import append_only_ddl, drop_append_only_ddl

# revision identifiers, used by Alembic.
revision: str = '0023'
down_revision: str | Sequence[str] | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'adverse_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('identifier', sa.String(length=200), nullable=True),
        sa.Column('gtin', sa.String(length=14), nullable=False),
        sa.Column('lot', sa.String(length=20), nullable=True),
        sa.Column('reporter_name', sa.String(length=200), nullable=False),
        sa.Column('reporter_role', sa.String(length=100), nullable=False),
        sa.Column('reported_on', sa.Date(), nullable=False),
        sa.Column('serious', sa.Boolean(), nullable=False),
        sa.Column('criteria', sa.JSON(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('outcome', sa.String(length=30), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_adverse_events_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_adverse_events')),
    )
    with op.batch_alter_table('adverse_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adverse_events_case_id'), ['case_id'], unique=False)
    for statement in append_only_ddl('adverse_events', backend(op.get_bind())):
        op.execute(statement)


def downgrade() -> None:
    """Downgrade schema."""
    for statement in drop_append_only_ddl('adverse_events', backend(op.get_bind())):
        op.execute(statement)
    with op.batch_alter_table('adverse_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adverse_events_case_id'))
    op.drop_table('adverse_events')
