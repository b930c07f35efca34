"""committees (党委/党总支): officers, officer invites, branch links; committee notices in broadcasts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('pending', 'approved')")


def upgrade() -> None:
    op.create_table('committees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('join_code', sa.String(length=32), nullable=True),
    sa.Column('code_created_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('created_by_user_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committees')),
    sa.UniqueConstraint('join_code', name=op.f('uq_committees_join_code'))
    )
    op.create_table('committee_officers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('telegram_user_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('added_by_user_id', sa.BigInteger(), nullable=True),
    sa.Column('added_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('chosen_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_committee_officers_committee_id_committees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_officers')),
    sa.UniqueConstraint('committee_id', 'telegram_user_id', name=op.f('uq_committee_officers_committee_id_telegram_user_id'))
    )
    with op.batch_alter_table('committee_officers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_officers_committee_id'), ['committee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_committee_officers_telegram_user_id'), ['telegram_user_id'], unique=False)

    op.create_table('committee_invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('created_by_user_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_by_user_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_committee_invites_committee_id_committees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_invites')),
    sa.UniqueConstraint('token', name=op.f('uq_committee_invites_token'))
    )
    with op.batch_alter_table('committee_invites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_invites_committee_id'), ['committee_id'], unique=False)

    op.create_table('committee_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_by_user_id', sa.BigInteger(), nullable=False),
    sa.Column('requested_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_user_id', sa.BigInteger(), nullable=True),
    sa.Column('decided_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_by_user_id', sa.BigInteger(), nullable=True),
    sa.Column('ended_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_committee_links_branch_id_branches')),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_committee_links_committee_id_committees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_links'))
    )
    with op.batch_alter_table('committee_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_links_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_committee_links_committee_id'), ['committee_id'], unique=False)
        batch_op.create_index('uq_committee_links_open', ['branch_id'], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)

    # The roll-up: a period's activities of many branches, their attendance from an index alone, and each
    # member's state on a day without sorting.
    op.create_index('ix_attendance_rollup', 'attendance', ['activity_id', 'status', 'expected'], unique=False)
    op.create_index('ix_activities_branch_starts', 'activities', ['branch_id', 'starts_at'], unique=False)
    op.create_index('ix_membership_history_member_at', 'membership_history', ['member_id', 'at'], unique=False)

    # A committee's notice has no branch and no author on a roster: both become optional.
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('committee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('author_user_id', sa.BigInteger(), nullable=True))
        batch_op.alter_column('branch_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('author_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_broadcasts_committee_id'), ['committee_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_broadcasts_committee_id_committees'), 'committees',
                                    ['committee_id'], ['id'])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM deliveries WHERE broadcast_id IN (SELECT id FROM broadcasts WHERE committee_id IS NOT NULL)"))
    op.execute(sa.text("DELETE FROM broadcasts WHERE committee_id IS NOT NULL"))
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_broadcasts_committee_id_committees'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_broadcasts_committee_id'))
        batch_op.alter_column('author_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('branch_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('author_user_id')
        batch_op.drop_column('committee_id')
    op.drop_index('ix_membership_history_member_at', table_name='membership_history')
    op.drop_index('ix_attendance_rollup', table_name='attendance')
    op.drop_index('ix_activities_branch_starts', table_name='activities')
    op.drop_table('committee_links')
    op.drop_table('committee_invites')
    op.drop_table('committee_officers')
    op.drop_table('committees')
