"""Staff members' personal API keys.

An API key may belong to a staff member (``staff_id``): it acts as them, with their roles,
and stops working when their account is disabled.

Revision ID: 0016
Revises: 0021
Create Date: 2026-12-06 22:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0016'
down_revision: str | Sequence[str] | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('api_keys') as batch:
        batch.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch.create_index(batch.f('ix_api_keys_staff_id'), ['staff_id'])
        batch.create_foreign_key(batch.f('fk_api_keys_staff_id_staff_users'), 'staff_users',
                                 ['staff_id'], ['id'])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('api_keys') as batch:
        batch.drop_constraint(batch.f('fk_api_keys_staff_id_staff_users'), type_='foreignkey')
        batch.drop_index(batch.f('ix_api_keys_staff_id'))
        batch.drop_column('staff_id')
