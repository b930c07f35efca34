"""the dues ledger: monthly amounts with their history, payments, allocations to months, waivers

The /paid marks (a member's own word that a month was paid, with no amount) become pending
self-reported payments of "what was owed" for that month: the 组织委员 confirms or rejects them
like any self-report. The marks table goes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

CATEGORY = sa.Enum('employed', 'retired', 'student', 'unemployed', 'subsistence', 'rural', 'other',
                   name='duescategory', native_enum=False, length=24)


def upgrade() -> None:
    op.create_table('dues_amounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('effective_month', sa.String(length=7), nullable=False),
    sa.Column('category', CATEGORY, nullable=False),
    sa.Column('basis_fen', sa.BigInteger(), nullable=True),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('extra_fen', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_dues_amounts_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by'], ['members.id'], name=op.f('fk_dues_amounts_recorded_by_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dues_amounts'))
    )
    with op.batch_alter_table('dues_amounts', schema=None) as batch_op:
        batch_op.create_index('ix_dues_amounts_member_month', ['member_id', 'effective_month'], unique=False)

    op.create_table('dues_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('payer_id', sa.Integer(), nullable=True),
    sa.Column('amount_fen', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('reported_by', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_dues_payments_branch_id_branches')),
    sa.ForeignKeyConstraint(['decided_by'], ['members.id'], name=op.f('fk_dues_payments_decided_by_members')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_dues_payments_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['payer_id'], ['members.id'], name=op.f('fk_dues_payments_payer_id_members')),
    sa.ForeignKeyConstraint(['reported_by'], ['members.id'], name=op.f('fk_dues_payments_reported_by_members')),
    sa.ForeignKeyConstraint(['reverses_id'], ['dues_payments.id'], name=op.f('fk_dues_payments_reverses_id_dues_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dues_payments')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_dues_payments_reverses_id'))
    )
    with op.batch_alter_table('dues_payments', schema=None) as batch_op:
        batch_op.create_index('ix_dues_payments_branch_status', ['branch_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_dues_payments_member_id'), ['member_id'], unique=False)

    op.create_table('dues_allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_dues_allocations_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['payment_id'], ['dues_payments.id'], name=op.f('fk_dues_allocations_payment_id_dues_payments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dues_allocations')),
    sa.UniqueConstraint('payment_id', 'month', name=op.f('uq_dues_allocations_payment_id_month'))
    )
    with op.batch_alter_table('dues_allocations', schema=None) as batch_op:
        batch_op.create_index('ix_dues_allocations_member_month', ['member_id', 'month'], unique=False)

    op.create_table('dues_waivers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('first_month', sa.String(length=7), nullable=False),
    sa.Column('last_month', sa.String(length=7), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_dues_waivers_branch_id_branches')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_dues_waivers_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by'], ['members.id'], name=op.f('fk_dues_waivers_recorded_by_members')),
    sa.ForeignKeyConstraint(['reverses_id'], ['dues_waivers.id'], name=op.f('fk_dues_waivers_reverses_id_dues_waivers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dues_waivers')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_dues_waivers_reverses_id'))
    )
    with op.batch_alter_table('dues_waivers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dues_waivers_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dues_waivers_member_id'), ['member_id'], unique=False)

    _marks_into_ledger(op.get_bind())

    with op.batch_alter_table('dues_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dues_marks_member_id'))
    op.drop_table('dues_marks')


MARKS = sa.table('dues_marks', sa.column('id', sa.Integer()), sa.column('member_id', sa.Integer()),
                 sa.column('month', sa.String()), sa.column('marked_at', storage.types.UTCDateTime()))
MEMBERS = sa.table('members', sa.column('id', sa.Integer()), sa.column('branch_id', sa.Integer()))
PAYMENTS = sa.table('dues_payments', *(sa.column(c) for c in (
    'id', 'branch_id', 'member_id', 'amount_fen', 'method', 'status', 'source', 'reported_by', 'created_at', 'note')))
ALLOCATIONS = sa.table('dues_allocations', sa.column('payment_id'), sa.column('member_id'), sa.column('month'),
                       sa.column('amount_fen'))


def _marks_into_ledger(bind) -> None:
    """Each mark: a pending self-report of "what was owed" for its month, as the member said."""
    marks = bind.execute(
        sa.select(MARKS.c.member_id, MARKS.c.month, MARKS.c.marked_at, MEMBERS.c.branch_id)
        .join(MEMBERS, MEMBERS.c.id == MARKS.c.member_id).order_by(MARKS.c.id)
    ).all()
    for member_id, month, marked_at, branch_id in marks:
        payment_id = bind.execute(PAYMENTS.insert().values(
            branch_id=branch_id, member_id=member_id, amount_fen=None, method='unknown', status='pending',
            source='migrated', reported_by=member_id, created_at=marked_at, note='/paid',
        ).returning(PAYMENTS.c.id)).scalar_one()
        bind.execute(ALLOCATIONS.insert().values(payment_id=payment_id, member_id=member_id, month=month, amount_fen=None))


def downgrade() -> None:
    op.create_table('dues_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('marked_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_dues_marks_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dues_marks')),
    sa.UniqueConstraint('member_id', 'month', name=op.f('uq_dues_marks_member_id_month'))
    )
    with op.batch_alter_table('dues_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dues_marks_member_id'), ['member_id'], unique=False)
    # Back to marks: each member's months with a payment that was not rejected (nor reversed).
    bind = op.get_bind()
    payments = sa.table('dues_payments', sa.column('id'), sa.column('status'), sa.column('source'),
                        sa.column('reverses_id'), sa.column('created_at', storage.types.UTCDateTime()))
    reversed_ids = sa.select(payments.c.reverses_id).where(payments.c.reverses_id.is_not(None))
    rows = bind.execute(
        sa.select(ALLOCATIONS.c.member_id, ALLOCATIONS.c.month, sa.func.min(payments.c.created_at))
        .join(payments, payments.c.id == ALLOCATIONS.c.payment_id)
        .where(payments.c.status != 'rejected', payments.c.source != 'reversal', payments.c.id.not_in(reversed_ids))
        .group_by(ALLOCATIONS.c.member_id, ALLOCATIONS.c.month)
    ).all()
    for member_id, month, at in rows:
        bind.execute(MARKS.insert().values(member_id=member_id, month=month, marked_at=at))
    for table, indexes in (('dues_waivers', ('ix_dues_waivers_member_id', 'ix_dues_waivers_branch_id')),
                           ('dues_allocations', ('ix_dues_allocations_member_month',)),
                           ('dues_payments', ('ix_dues_payments_member_id', 'ix_dues_payments_branch_status')),
                           ('dues_amounts', ('ix_dues_amounts_member_month',))):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
        op.drop_table(table)
