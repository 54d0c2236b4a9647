"""Named-patient cases, the patient-data vault, delivery confirmations and follow-ups.

Revision ID: 0022
Revises: 0013
Create Date: 2026-12-06 21:49:49.346915

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.dialect import backend
from app.models.append_only import append_only_ddl, drop_append_only_ddl


# revision identifiers, used by Alembic.
revision: str = '0022'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("case_history", "case_links", "vault_access")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('retention_policies',
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('patient_data_days', sa.Integer(), nullable=False),
    sa.Column('transaction_years', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('country', name=op.f('pk_retention_policies'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('pathway', sa.Enum('named_patient', 'personal_import', name='pathway', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('requested', 'authorized', 'shipped', 'delivered', 'closed', 'cancelled', name='casestatus', native_enum=False, length=20), nullable=False),
    sa.Column('authorization_ref', sa.String(length=100), nullable=True),
    sa.Column('authorization_issued', sa.Date(), nullable=True),
    sa.Column('authorization_expires', sa.Date(), nullable=True),
    sa.Column('prescriber_name', sa.String(length=200), nullable=False),
    sa.Column('prescriber_licence', sa.String(length=100), nullable=False),
    sa.Column('prescriber_country', sa.String(length=2), nullable=False),
    sa.Column('receiver_id', sa.Integer(), nullable=True),
    sa.Column('receiver_address', sa.Text(), nullable=True),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('status_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['receiver_id'], ['trading_partners.id'], name=op.f('fk_cases_receiver_id_trading_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('ref', name=op.f('uq_cases_ref'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_country'), ['country'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_status'), ['status'], unique=False)

    op.create_table('case_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('requested', 'authorized', 'shipped', 'delivered', 'closed', 'cancelled', name='casestatus', native_enum=False, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_history_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_history'))
    )
    with op.batch_alter_table('case_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_history_case_id'), ['case_id'], unique=False)

    op.create_table('case_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('identifiers', sa.JSON(), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('commitment', sa.String(length=64), nullable=True),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_links_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_links'))
    )
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_links_case_id'), ['case_id'], unique=False)

    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('owner', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_follow_ups_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    sa.UniqueConstraint('case_id', name=op.f('uq_follow_ups_case_id'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_due_at'), ['due_at'], unique=False)

    op.create_table('vault_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_vault_access_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vault_access'))
    )
    with op.batch_alter_table('vault_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vault_access_case_id'), ['case_id'], unique=False)

    op.create_table('vault_keys',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('master_key_id', sa.String(length=32), nullable=True),
    sa.Column('wrapped_key', sa.LargeBinary(), nullable=True),
    sa.Column('sealed_salt', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shredded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shred_reason', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_vault_keys_case_id_cases')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_vault_keys'))
    )
    with op.batch_alter_table('vault_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vault_keys_master_key_id'), ['master_key_id'], unique=False)

    op.create_table('vault_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_vault_records_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vault_records'))
    )
    with op.batch_alter_table('vault_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vault_records_case_id'), ['case_id'], unique=False)

    op.create_table('confirmation_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('identifiers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmation', sa.JSON(), nullable=True),
    sa.Column('job_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_confirmation_links_case_id_cases')),
    sa.ForeignKeyConstraint(['job_id'], ['capture_jobs.id'], name=op.f('fk_confirmation_links_job_id_capture_jobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confirmation_links'))
    )
    with op.batch_alter_table('confirmation_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_confirmation_links_case_id'), ['case_id'], unique=False)
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
    with op.batch_alter_table('confirmation_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_confirmation_links_case_id'))

    op.drop_table('confirmation_links')
    with op.batch_alter_table('vault_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vault_records_case_id'))

    op.drop_table('vault_records')
    with op.batch_alter_table('vault_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vault_keys_master_key_id'))

    op.drop_table('vault_keys')
    with op.batch_alter_table('vault_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vault_access_case_id'))

    op.drop_table('vault_access')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_due_at'))

    op.drop_table('follow_ups')
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_links_case_id'))

    op.drop_table('case_links')
    with op.batch_alter_table('case_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_history_case_id'))

    op.drop_table('case_history')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_status'))
        batch_op.drop_index(batch_op.f('ix_cases_country'))

    op.drop_table('cases')
    op.drop_table('retention_policies')
