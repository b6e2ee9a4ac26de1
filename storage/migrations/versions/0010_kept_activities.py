"""kept activities: what stays of a sent activity once its outbox row is pruned

`outbox_activities` rows are pruned after `outbox_retention_days`; Undo, Accept, Reject and
profile Update activities (which no other row records) keep a compact copy here so that
`/activities/{id}` still answers.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kept_activities',
    sa.Column('uri', sa.String(length=2048), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('uri', name=op.f('pk_kept_activities'))
    )
    with op.batch_alter_table('kept_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kept_activities_actor_id'), ['actor_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('kept_activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kept_activities_actor_id'))
    op.drop_table('kept_activities')
