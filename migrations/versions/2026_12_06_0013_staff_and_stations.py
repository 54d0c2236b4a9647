"""Staff accounts, scan stations, and who scanned where.

The operator's staff sign in to the web app (argon2 password hashes, lockout counters,
disabled accounts); scan stations sit at one of its sites. Each scan now keeps the
verdict's reasons, the staff member who scanned (when it was one) and the station.

Revision ID: 0013
Revises: 0014
Create Date: 2026-12-06 19:45:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: str | Sequence[str] | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'staff_users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=50), nullable=False),
        sa.Column('display_name', sa.String(length=200), nullable=False),
        sa.Column('roles', sa.JSON(), nullable=False),
        sa.Column('password_hash', sa.String(length=200), nullable=False),
        sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
        sa.UniqueConstraint('username', name=op.f('uq_staff_users_username')),
    )
    op.create_table(
        'scan_stations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['location_id'], ['locations.id'],
                                name=op.f('fk_scan_stations_location_id_locations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_stations')),
        sa.UniqueConstraint('name', name=op.f('uq_scan_stations_name')),
    )
    op.create_index(op.f('ix_scan_stations_location_id'), 'scan_stations', ['location_id'])
    with op.batch_alter_table('scans') as batch:
        batch.add_column(sa.Column('reasons', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('station_id', sa.Integer(), nullable=True))
        batch.create_index(batch.f('ix_scans_staff_id'), ['staff_id'])
        batch.create_foreign_key(batch.f('fk_scans_staff_id_staff_users'), 'staff_users',
                                 ['staff_id'], ['id'])
        batch.create_foreign_key(batch.f('fk_scans_station_id_scan_stations'), 'scan_stations',
                                 ['station_id'], ['id'])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('scans') as batch:
        batch.drop_constraint(batch.f('fk_scans_station_id_scan_stations'), type_='foreignkey')
        batch.drop_constraint(batch.f('fk_scans_staff_id_staff_users'), type_='foreignkey')
        batch.drop_index(batch.f('ix_scans_staff_id'))
        batch.drop_column('station_id')
        batch.drop_column('staff_id')
        batch.drop_column('reasons')
    op.drop_index(op.f('ix_scan_stations_location_id'), table_name='scan_stations')
    op.drop_table('scan_stations')
    op.drop_table('staff_users')
