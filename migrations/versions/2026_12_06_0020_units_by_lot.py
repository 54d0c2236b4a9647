"""Units by lot: an index on (gtin, lot, id) for lot reports and recalls.

A lot report pages through a lot's units in id order (keyset pages); without this index each
page scanned the whole units table.

Revision ID: 0020
Revises: 0013
Create Date: 2026-12-06 22:20:00

"""
from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0020'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index('ix_units_gtin_lot', 'units', ['gtin', 'lot', 'id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_units_gtin_lot', table_name='units')
