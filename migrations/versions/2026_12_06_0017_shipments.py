"""Outbound shipments: SSCC counters and allocations, shipments, cases, the units packed in
them and the ledger events each shipment recorded.

``sscc_allocations`` and ``shipment_events`` are append-only (the ledger's triggers).

Revision ID: 0017
Revises: 0020
Create Date: 2026-12-06 22:10:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.dialect import backend
from app.models.append_only import append_only_ddl, drop_append_only_ddl

# revision identifiers, used by Alembic.
revision: str = '0017'
down_revision: str | Sequence[str] | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("sscc_allocations", "shipment_events")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('sscc_counters',
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('extension', sa.String(length=1), nullable=False),
    sa.Column('next_serial', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('prefix', 'extension', name=op.f('pk_sscc_counters'))
    )
    op.create_table('sscc_allocations',
    sa.Column('sscc', sa.String(length=18), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('extension', sa.String(length=1), nullable=False),
    sa.Column('serial', sa.BigInteger(), nullable=False),
    sa.Column('allocated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('allocated_by', sa.String(length=100), nullable=False),
    sa.Column('purpose', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('sscc', name=op.f('pk_sscc_allocations'))
    )
    op.create_table('shipments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'packed', 'shipped', 'cancelled', name='shipmentstatus',
                                native_enum=False, create_constraint=False, length=10), nullable=False),
    sa.Column('ship_to_id', sa.Integer(), nullable=False),
    sa.Column('ship_to_location_id', sa.Integer(), nullable=False),
    sa.Column('order_number', sa.String(length=100), nullable=True),
    sa.Column('case_ref', sa.String(length=100), nullable=True),
    sa.Column('carrier', sa.String(length=100), nullable=True),
    sa.Column('tracking', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shipped_by', sa.String(length=100), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by', sa.String(length=100), nullable=True),
    sa.Column('ship_event_hash', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['ship_to_id'], ['trading_partners.id'], name=op.f('fk_shipments_ship_to_id_trading_partners')),
    sa.ForeignKeyConstraint(['ship_to_location_id'], ['locations.id'], name=op.f('fk_shipments_ship_to_location_id_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipments'))
    )
    op.create_index(op.f('ix_shipments_status'), 'shipments', ['status'])
    op.create_index(op.f('ix_shipments_ship_to_id'), 'shipments', ['ship_to_id'])
    op.create_index(op.f('ix_shipments_case_ref'), 'shipments', ['case_ref'])
    op.create_table('shipment_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('sscc', sa.String(length=18), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_shipment_cases_shipment_id_shipments')),
    sa.ForeignKeyConstraint(['sscc'], ['sscc_allocations.sscc'], name=op.f('fk_shipment_cases_sscc_sscc_allocations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_cases')),
    sa.UniqueConstraint('sscc', name=op.f('uq_shipment_cases_sscc'))
    )
    op.create_index(op.f('ix_shipment_cases_shipment_id'), 'shipment_cases', ['shipment_id'])
    op.create_table('shipment_case_units',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('scan_id', sa.Integer(), nullable=True),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scanned_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['shipment_cases.id'], name=op.f('fk_shipment_case_units_case_id_shipment_cases')),
    sa.ForeignKeyConstraint(['scan_id'], ['scans.id'], name=op.f('fk_shipment_case_units_scan_id_scans')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_shipment_case_units_unit_id_units')),
    sa.PrimaryKeyConstraint('case_id', 'unit_id', name=op.f('pk_shipment_case_units'))
    )
    op.create_index('ix_shipment_case_units_active_unit', 'shipment_case_units', ['unit_id'],
                    unique=True, postgresql_where=sa.text('active'), sqlite_where=sa.text('active'))
    op.create_table('shipment_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('event_hash', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['shipment_cases.id'], name=op.f('fk_shipment_events_case_id_shipment_cases')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_shipment_events_shipment_id_shipments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_events'))
    )
    op.create_index(op.f('ix_shipment_events_shipment_id'), 'shipment_events', ['shipment_id'])
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
    op.drop_index(op.f('ix_shipment_events_shipment_id'), table_name='shipment_events')
    op.drop_table('shipment_events')
    op.drop_index('ix_shipment_case_units_active_unit', table_name='shipment_case_units')
    op.drop_table('shipment_case_units')
    op.drop_index(op.f('ix_shipment_cases_shipment_id'), table_name='shipment_cases')
    op.drop_table('shipment_cases')
    for index in ('case_ref', 'ship_to_id', 'status'):
        op.drop_index(op.f(f'ix_shipments_{index}'), table_name='shipments')
    op.drop_table('shipments')
    op.drop_table('sscc_allocations')
    op.drop_table('sscc_counters')
