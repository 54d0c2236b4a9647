"""The audit trail of who read what (append-only, each row a leaf of the log) and trace requests.

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-06 22:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.dialect import backend
from app.models.append_only import append_only_ddl, drop_append_only_ddl

# revision identifiers, used by Alembic.
revision: str = '0021'
down_revision: str | Sequence[str] | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'audit_trail',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=100), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=50), nullable=False),
        sa.Column('object', sa.String(length=200), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=True),
        sa.Column('request_id', sa.String(length=64), nullable=True),
        sa.Column('entry_hash', sa.String(length=100), nullable=False),
        sa.Column('leaf_index', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['partner_id'], ['trading_partners.id'],
                                name=op.f('fk_audit_trail_partner_id_trading_partners')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_trail')),
    )
    op.create_index('ix_audit_trail_actor_id', 'audit_trail', ['actor', 'id'])
    op.create_index('ix_audit_trail_object_id', 'audit_trail', ['object', 'id'])
    for statement in append_only_ddl('audit_trail', backend(op.get_bind())):
        op.execute(statement)
    op.create_table(
        'trace_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('requester_partner_id', sa.Integer(), nullable=True),
        sa.Column('requested_by', sa.String(length=100), nullable=False),
        sa.Column('requester', sa.String(length=200), nullable=False),
        sa.Column('contact', sa.String(length=200), nullable=False),
        sa.Column('reason', sa.Enum('suspect-product', 'illegitimate-product',
                                    'recall-investigation', 'compliance-audit',
                                    'health-authority-inspection', name='tracereason',
                                    native_enum=False, create_constraint=False, length=40),
                  nullable=False),
        sa.Column('incident_number', sa.String(length=40), nullable=True),
        sa.Column('gtin', sa.String(length=14), nullable=False),
        sa.Column('serial', sa.String(length=20), nullable=True),
        sa.Column('lot', sa.String(length=20), nullable=True),
        sa.Column('response', sa.Enum('transaction-information', 'all-known-owners',
                                      'last-known-owner', name='traceresponse', native_enum=False,
                                      create_constraint=False, length=40), nullable=False),
        sa.Column('fire_drill', sa.Boolean(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answered_by', sa.String(length=100), nullable=True),
        sa.Column('answer', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['requester_partner_id'], ['trading_partners.id'],
                                name=op.f('fk_trace_requests_requester_partner_id_trading_partners')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_requests')),
    )
    op.create_index(op.f('ix_trace_requests_requester_partner_id'), 'trace_requests',
                    ['requester_partner_id'])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_trace_requests_requester_partner_id'), table_name='trace_requests')
    op.drop_table('trace_requests')
    for statement in drop_append_only_ddl('audit_trail', backend(op.get_bind())):
        op.execute(statement)
    op.drop_index('ix_audit_trail_object_id', table_name='audit_trail')
    op.drop_index('ix_audit_trail_actor_id', table_name='audit_trail')
    op.drop_table('audit_trail')
