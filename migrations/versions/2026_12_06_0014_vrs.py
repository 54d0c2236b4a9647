"""Verification (VRS): responder evidence, routes to other responders, answers received.

``vrs_evidence`` is append-only (triggers, as on the ledger tables): what this responder
answered is never edited.

Revision ID: 0014
Revises: 0015
Create Date: 2026-12-06 19:32:33

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.dialect import backend
from app.models.append_only import append_only_ddl, drop_append_only_ddl

# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: str | Sequence[str] | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'vrs_evidence',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('requester_id', sa.Integer(), nullable=False),
        sa.Column('corr_uuid', sa.String(length=36), nullable=False),
        sa.Column('request', sa.LargeBinary(), nullable=False),
        sa.Column('response', sa.LargeBinary(), nullable=False),
        sa.Column('evidence_hash', sa.String(length=100), nullable=False),
        sa.Column('leaf_index', sa.BigInteger(), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['requester_id'], ['trading_partners.id'],
                                name=op.f('fk_vrs_evidence_requester_id_trading_partners')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vrs_evidence')),
    )
    op.create_index('ix_vrs_evidence_requester_corr', 'vrs_evidence',
                    ['requester_id', 'corr_uuid'], unique=True)
    for statement in append_only_ddl('vrs_evidence', backend(op.get_bind())):
        op.execute(statement)
    op.create_table(
        'vrs_routes',
        sa.Column('prefix', sa.String(length=14), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('api_key', sa.String(length=200), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['partner_id'], ['trading_partners.id'],
                                name=op.f('fk_vrs_routes_partner_id_trading_partners')),
        sa.PrimaryKeyConstraint('prefix', name=op.f('pk_vrs_routes')),
    )
    op.create_table(
        'verifications',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('gtin', sa.String(length=14), nullable=False),
        sa.Column('serial', sa.String(length=20), nullable=False),
        sa.Column('lot', sa.String(length=20), nullable=False),
        sa.Column('expiry', sa.Date(), nullable=False),
        sa.Column('context', sa.String(length=50), nullable=False),
        sa.Column('corr_uuid', sa.String(length=36), nullable=False),
        sa.Column('responder_url', sa.String(length=500), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('responder_gln', sa.String(length=13), nullable=True),
        sa.Column('verified', sa.Boolean(), nullable=True),
        sa.Column('failure_reason', sa.String(length=50), nullable=True),
        sa.Column('additional_info', sa.String(length=50), nullable=True),
        sa.Column('answer', sa.JSON(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('actor', sa.String(length=100), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'],
                                name=op.f('fk_verifications_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verifications')),
        sa.UniqueConstraint('corr_uuid', name=op.f('uq_verifications_corr_uuid')),
    )
    op.create_index(op.f('ix_verifications_unit_id'), 'verifications', ['unit_id'])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_verifications_unit_id'), table_name='verifications')
    op.drop_table('verifications')
    op.drop_table('vrs_routes')
    for statement in drop_append_only_ddl('vrs_evidence', backend(op.get_bind())):
        op.execute(statement)
    op.drop_index('ix_vrs_evidence_requester_corr', table_name='vrs_evidence')
    op.drop_table('vrs_evidence')
