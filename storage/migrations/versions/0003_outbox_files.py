"""outbox files: files the bot made, uploaded by outbox rows; announcements only in the outbox

Activities announced with /new kept their message in activities.announce_*; every announcement
now lives in the outbox under "announce:<activity id>", so those become sent outbox rows.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _tables():
    activities = sa.table('activities', sa.column('id', sa.Integer()), sa.column('created_at'),
                          sa.column('announce_chat_id', sa.BigInteger()), sa.column('announce_message_id', sa.BigInteger()))
    outbox = sa.table('outbox', *(sa.column(c) for c in (
        'key', 'purpose', 'chat_id', 'text', 'status', 'possibly_duplicate', 'attempts', 'not_before',
        'message_id', 'created_at', 'updated_at', 'sent_at')))
    return activities, outbox


def _key(activities):
    return sa.literal_column("'announce:'", sa.String()) + sa.cast(activities.c.id, sa.String())


def upgrade() -> None:
    op.create_table('outbox_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_files'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('upload_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_upload_id'), ['upload_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_upload_id_outbox_files'), 'outbox_files', ['upload_id'], ['id'])

    activities, outbox = _tables()
    key = _key(activities)
    op.execute(outbox.insert().from_select(
        ['key', 'purpose', 'chat_id', 'text', 'status', 'possibly_duplicate', 'attempts', 'not_before',
         'message_id', 'created_at', 'updated_at', 'sent_at'],
        # Inline constants, not parameters: PostgreSQL types them by the columns they go into.
        sa.select(key, sa.literal_column("'announce'"), activities.c.announce_chat_id, sa.literal_column("''"),
                  sa.literal_column("'sent'"), sa.false(), sa.literal_column("1"), activities.c.created_at,
                  activities.c.announce_message_id,
                  activities.c.created_at, activities.c.created_at, activities.c.created_at)
        .where(activities.c.announce_message_id.is_not(None), activities.c.announce_chat_id.is_not(None),
               ~sa.exists().where(outbox.c.key == key))))
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_column('announce_message_id')
        batch_op.drop_column('announce_chat_id')


def downgrade() -> None:
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announce_chat_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('announce_message_id', sa.BigInteger(), nullable=True))
    activities, outbox = _tables()
    sent = lambda column: (sa.select(column).where(outbox.c.key == _key(activities), outbox.c.message_id.is_not(None))
                           .scalar_subquery())
    op.execute(activities.update().values(announce_chat_id=sent(outbox.c.chat_id),
                                          announce_message_id=sent(outbox.c.message_id)))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_upload_id_outbox_files'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_upload_id'))
        batch_op.drop_column('upload_id')
    op.drop_table('outbox_files')
