"""Outbox: partners' capture URL and key, and the EPCIS documents waiting to be pushed.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-06 22:15:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0019'
down_revision: str | Sequence[str] | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('trading_partners') as batch:
        batch.add_column(sa.Column('capture_url', sa.String(length=500), nullable=True))
        batch.add_column(sa.Column('capture_token', sa.String(length=500), nullable=True))
    op.create_table(
        'outbox_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_key', sa.String(length=200), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=200), nullable=False),
        sa.Column('media_type', sa.String(length=100), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.Column('body_sha256', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Enum('pending', 'sending', 'delivered', 'failed',
                                    name='outboxstatus', native_enum=False,
                                    create_constraint=False, length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('leased_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('receipt', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['partner_id'], ['trading_partners.id'],
                                name=op.f('fk_outbox_messages_partner_id_trading_partners')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
        sa.UniqueConstraint('document_key', name=op.f('uq_outbox_messages_document_key')),
    )
    op.create_index('ix_outbox_messages_due', 'outbox_messages',
                    ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_outbox_messages_partner_id'), 'outbox_messages', ['partner_id'],
                    unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_outbox_messages_partner_id'), table_name='outbox_messages')
    op.drop_index('ix_outbox_messages_due', table_name='outbox_messages')
    op.drop_table('outbox_messages')
    with op.batch_alter_table('trading_partners') as batch:
        batch.drop_column('capture_token')
        batch.drop_column('capture_url')
