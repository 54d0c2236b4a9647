"""Units carry their expiry date; capture jobs report DSCSA warnings beside their errors.

A unit's lot and expiry come from its commissioning ILMD (``cbvmda:`` or ``gs1ushc:``);
until now only the lot was kept. A capture job's ``warnings`` hold the findings that do
not refuse a document (decision 0010).

Revision ID: 0008
Revises: 0010
Create Date: 2026-12-06 10:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('units') as batch:
        batch.add_column(sa.Column('expiry', sa.Date(), nullable=True))
    with op.batch_alter_table('capture_jobs') as batch:
        batch.add_column(sa.Column('warnings', sa.JSON(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('capture_jobs') as batch:
        batch.drop_column('warnings')
    with op.batch_alter_table('units') as batch:
        batch.drop_column('expiry')
