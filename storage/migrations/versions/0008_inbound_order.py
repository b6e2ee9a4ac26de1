"""inbound order: Undos that arrive before what they undo; the last profile Update applied

`undone_activities` remembers, for a bounded time, the id of an activity whose Undo came
first, so the late activity is ignored. `actors.profile_updated_at` holds the `updated` time of
the last profile Update applied, so an older one arriving late is ignored.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('undone_activities',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('uri', sa.String(length=2048), nullable=False),
    sa.Column('actor_uri', sa.String(length=2048), nullable=False),
    sa.Column('expires_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_undone_activities'))
    )
    with op.batch_alter_table('undone_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_undone_activities_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_undone_activities_uri'), ['uri'], unique=False)
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile_updated_at', storage.models.base.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.drop_column('profile_updated_at')
    with op.batch_alter_table('undone_activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_undone_activities_uri'))
        batch_op.drop_index(batch_op.f('ix_undone_activities_expires_at'))
    op.drop_table('undone_activities')
