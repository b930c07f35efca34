"""dues month totals: a branch's collection per month, kept for the committee roll-up; branches.dues_version

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('branches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dues_version', sa.Integer(), server_default='0', nullable=False))
    # Empty at first: the calendar fills it, and a roll-up computes what is missing meanwhile.
    op.create_table('dues_month_totals',
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('rules', sa.Integer(), nullable=False),
    sa.Column('owed_fen', sa.BigInteger(), nullable=False),
    sa.Column('paid_fen', sa.BigInteger(), nullable=False),
    sa.Column('waived_fen', sa.BigInteger(), nullable=False),
    sa.Column('owing', sa.Integer(), nullable=False),
    sa.Column('settled', sa.Integer(), nullable=False),
    sa.Column('unknown', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_dues_month_totals_branch_id_branches'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('branch_id', 'month', name=op.f('pk_dues_month_totals'))
    )


def downgrade() -> None:
    op.drop_table('dues_month_totals')
    with op.batch_alter_table('branches', schema=None) as batch_op:
        batch_op.drop_column('dues_version')
