"""Company prefixes and one unit per GS1 key.

A partner's GS1 Company Prefixes become rows (``company_prefixes``): brand ownership no
longer comes from truncating its GLNs. Existing partners get the company prefixes their
SGLN sites encode, as onboarding does when no prefix is given (a prefix two partners'
sites share goes to neither: an operator assigns it).

A unit is its GS1 key, whatever EPC partition names it: ``(gtin, serial)`` is unique, and
an SSCC's 18 digits go to a new unique ``sscc`` column (filled from existing
identifiers). On a database that already holds one key under two partitions, the upgrade
stops at the unique index; merge those units first.

Revision ID: 0007
Revises: 0008
Create Date: 2026-12-06 18:51:09

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SGLN, SSCC = "urn:epc:id:sgln:", "urn:epc:id:sscc:"


def _check_digit(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str(-total % 10)


def _sscc(identifier: str) -> str | None:
    cp, _, ref = identifier[len(SSCC):].partition(".")
    body = ref[:1] + cp + ref[1:]
    return body + _check_digit(body) if len(body) == 17 and body.isdigit() else None


def upgrade() -> None:
    """Upgrade schema."""
    prefixes = op.create_table(
        'company_prefixes',
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['partner_id'], ['trading_partners.id'],
                                name=op.f('fk_company_prefixes_partner_id_trading_partners')),
        sa.PrimaryKeyConstraint('prefix', name=op.f('pk_company_prefixes')),
    )
    op.create_index(op.f('ix_company_prefixes_partner_id'), 'company_prefixes', ['partner_id'])
    bind = op.get_bind()
    holders: dict[str, set[int]] = {}
    for sgln, partner_id in bind.execute(sa.text("SELECT sgln, partner_id FROM locations")):
        holders.setdefault(sgln[len(SGLN):].split(".", 1)[0], set()).add(partner_id)
    rows = [{"prefix": p, "partner_id": next(iter(ids))} for p, ids in holders.items()
            if len(ids) == 1 and not any(q != p and (q.startswith(p) or p.startswith(q))
                                         for q in holders)]
    if rows:
        op.bulk_insert(prefixes, rows)

    op.add_column('units', sa.Column('sscc', sa.String(length=18), nullable=True))
    ssccs = [{"i": i, "s": _sscc(x)} for i, x in bind.execute(
        sa.text("SELECT id, identifier FROM units WHERE kind = 'sscc'"))]
    if ssccs:
        bind.execute(sa.text("UPDATE units SET sscc = :s WHERE id = :i"), ssccs)
    op.drop_index('ix_units_gtin', table_name='units')
    op.create_index('ix_units_gtin_serial', 'units', ['gtin', 'serial'], unique=True)
    op.create_index(op.f('ix_units_sscc'), 'units', ['sscc'], unique=True)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_units_sscc'), table_name='units')
    op.drop_index('ix_units_gtin_serial', table_name='units')
    op.create_index('ix_units_gtin', 'units', ['gtin'])
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('sscc')
    op.drop_index(op.f('ix_company_prefixes_partner_id'), table_name='company_prefixes')
    op.drop_table('company_prefixes')
