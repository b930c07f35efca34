"""outbox files: files the bot made, uploaded by outbox rows

Revision ID: 0003_outbox_files
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0003_outbox_files'
down_revision = '0001'
branch_labels = None
depends_on = None


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


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_upload_id_outbox_files'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_upload_id'))
        batch_op.drop_column('upload_id')
    op.drop_table('outbox_files')
