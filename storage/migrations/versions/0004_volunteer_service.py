"""volunteer service (志愿服务) and each member's service network (联系户, 设岗定责)

Reports with their photos, teammates and reviews; the album buffer; households, posts, their
holders and task lists.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('media_group_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('media_group_id', sa.String(length=64), nullable=False),
    sa.Column('file_id', sa.String(length=200), nullable=False),
    sa.Column('file_unique_id', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('mime_type', sa.String(length=50), nullable=True),
    sa.Column('received_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media_group_items')),
    sa.UniqueConstraint('media_group_id', 'file_unique_id', name=op.f('uq_media_group_items_media_group_id_file_unique_id'))
    )
    with op.batch_alter_table('media_group_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_media_group_items_media_group_id'), ['media_group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_media_group_items_user_id'), ['user_id'], unique=False)

    op.create_table('service_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_service_categories_branch_id_branches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_categories')),
    sa.UniqueConstraint('branch_id', 'name', name=op.f('uq_service_categories_branch_id_name'))
    )
    with op.batch_alter_table('service_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_categories_branch_id'), ['branch_id'], unique=False)

    op.create_table('service_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_service_posts_branch_id_branches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_posts')),
    sa.UniqueConstraint('branch_id', 'name', name=op.f('uq_service_posts_branch_id_name'))
    )
    with op.batch_alter_table('service_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_posts_branch_id'), ['branch_id'], unique=False)

    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('empty_nest', 'left_behind', 'hardship', 'other', name='householdkind', native_enum=False, length=24), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('removed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_households_branch_id_branches')),
    sa.ForeignKeyConstraint(['created_by'], ['members.id'], name=op.f('fk_households_created_by_members')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_households_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('member_id', 'label', name=op.f('uq_households_member_id_label'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_households_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_member_id'), ['member_id'], unique=False)

    op.create_table('post_holders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('since', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('until', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('assigned_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by'], ['members.id'], name=op.f('fk_post_holders_assigned_by_members')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_post_holders_member_id_members')),
    sa.ForeignKeyConstraint(['post_id'], ['service_posts.id'], name=op.f('fk_post_holders_post_id_service_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_holders'))
    )
    with op.batch_alter_table('post_holders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_holders_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_holders_post_id'), ['post_id'], unique=False)

    op.create_table('service_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('served_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('starts_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('people_served', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'changes', 'approved', 'rejected', 'withdrawn', name='servicestatus', native_enum=False, length=24), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_service_reports_activity_id_activities')),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_service_reports_branch_id_branches')),
    sa.ForeignKeyConstraint(['category_id'], ['service_categories.id'], name=op.f('fk_service_reports_category_id_service_categories')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_service_reports_household_id_households')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_service_reports_member_id_members')),
    sa.ForeignKeyConstraint(['post_id'], ['service_posts.id'], name=op.f('fk_service_reports_post_id_service_posts')),
    sa.ForeignKeyConstraint(['reviewed_by'], ['members.id'], name=op.f('fk_service_reports_reviewed_by_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_reports')),
    sa.UniqueConstraint('member_id', 'fingerprint', name=op.f('uq_service_reports_member_id_fingerprint'))
    )
    with op.batch_alter_table('service_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_reports_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_reports_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_reports_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_reports_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_reports_status'), ['status'], unique=False)

    op.create_table('post_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['holder_id'], ['post_holders.id'], name=op.f('fk_post_tasks_holder_id_post_holders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['service_reports.id'], name=op.f('fk_post_tasks_report_id_service_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_tasks'))
    )
    with op.batch_alter_table('post_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_tasks_holder_id'), ['holder_id'], unique=False)

    op.create_table('service_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.String(length=200), nullable=False),
    sa.Column('file_unique_id', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('mime_type', sa.String(length=50), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['service_reports.id'], name=op.f('fk_service_photos_report_id_service_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_photos')),
    sa.UniqueConstraint('report_id', 'file_unique_id', name=op.f('uq_service_photos_report_id_file_unique_id'))
    )
    with op.batch_alter_table('service_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_photos_report_id'), ['report_id'], unique=False)

    op.create_table('service_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('pending', 'changes', 'approved', 'rejected', 'withdrawn', name='servicestatus', native_enum=False, length=24), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['members.id'], name=op.f('fk_service_reviews_officer_id_members')),
    sa.ForeignKeyConstraint(['report_id'], ['service_reports.id'], name=op.f('fk_service_reviews_report_id_service_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_reviews'))
    )
    with op.batch_alter_table('service_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_reviews_report_id'), ['report_id'], unique=False)

    op.create_table('service_teammates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('invited', 'confirmed', 'declined', name='teammatestatus', native_enum=False, length=24), nullable=False),
    sa.Column('decided_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_service_teammates_member_id_members')),
    sa.ForeignKeyConstraint(['report_id'], ['service_reports.id'], name=op.f('fk_service_teammates_report_id_service_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_teammates')),
    sa.UniqueConstraint('report_id', 'member_id', name=op.f('uq_service_teammates_report_id_member_id'))
    )
    with op.batch_alter_table('service_teammates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_teammates_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_teammates_report_id'), ['report_id'], unique=False)

    # An outbox row may carry an album: the Telegram file ids sent together with sendMediaGroup.
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('media', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('media')

    with op.batch_alter_table('service_teammates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_teammates_report_id'))
        batch_op.drop_index(batch_op.f('ix_service_teammates_member_id'))

    op.drop_table('service_teammates')
    with op.batch_alter_table('service_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_reviews_report_id'))

    op.drop_table('service_reviews')
    with op.batch_alter_table('service_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_photos_report_id'))

    op.drop_table('service_photos')
    with op.batch_alter_table('post_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_tasks_holder_id'))

    op.drop_table('post_tasks')
    with op.batch_alter_table('service_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_reports_status'))
        batch_op.drop_index(batch_op.f('ix_service_reports_member_id'))
        batch_op.drop_index(batch_op.f('ix_service_reports_household_id'))
        batch_op.drop_index(batch_op.f('ix_service_reports_branch_id'))
        batch_op.drop_index(batch_op.f('ix_service_reports_activity_id'))

    op.drop_table('service_reports')
    with op.batch_alter_table('post_holders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_holders_post_id'))
        batch_op.drop_index(batch_op.f('ix_post_holders_member_id'))

    op.drop_table('post_holders')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_member_id'))
        batch_op.drop_index(batch_op.f('ix_households_branch_id'))

    op.drop_table('households')
    with op.batch_alter_table('service_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_posts_branch_id'))

    op.drop_table('service_posts')
    with op.batch_alter_table('service_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_categories_branch_id'))

    op.drop_table('service_categories')
    with op.batch_alter_table('media_group_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_media_group_items_user_id'))
        batch_op.drop_index(batch_op.f('ix_media_group_items_media_group_id'))

    op.drop_table('media_group_items')
