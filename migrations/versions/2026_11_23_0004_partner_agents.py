"""Partner agents: a partner that commissions units for a brand owner (its principal).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:16:50.960527

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('partner_agents',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('principal_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['trading_partners.id'], name=op.f('fk_partner_agents_agent_id_trading_partners')),
    sa.ForeignKeyConstraint(['principal_id'], ['trading_partners.id'], name=op.f('fk_partner_agents_principal_id_trading_partners')),
    sa.PrimaryKeyConstraint('agent_id', 'principal_id', name=op.f('pk_partner_agents'))
    )
    with op.batch_alter_table('partner_agents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_agents_principal_id'), ['principal_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('partner_agents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_agents_principal_id'))

    op.drop_table('partner_agents')
