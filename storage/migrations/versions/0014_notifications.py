"""notifications: group keys and reports on notifications, markers

`notifications.group_key` is Mastodon's key for grouped notifications (v2), null for the types
that are not grouped and for rows written before this revision; `notifications.report_id`
names the report of an `admin.report`. `markers` keeps where a member stopped reading their
home timeline and their notifications.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_key', sa.String(length=96), nullable=True))
        batch_op.add_column(sa.Column('report_id', ID, nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_report_id_reports'), 'reports',
                                    ['report_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('ix_notifications_recipient_id_group_key', ['recipient_id', 'group_key'],
                              unique=False)
    op.create_table(
        'markers',
        sa.Column('id', ID, nullable=False),
        sa.Column('actor_id', ID, nullable=False),
        sa.Column('timeline', sa.String(length=16), nullable=False),
        sa.Column('last_read_id', sa.BigInteger(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_markers_actor_id_actors'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_markers')),
        sa.UniqueConstraint('actor_id', 'timeline', name=op.f('uq_markers_actor_id_timeline')),
    )


def downgrade() -> None:
    op.drop_table('markers')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_recipient_id_group_key')
        batch_op.drop_constraint(batch_op.f('fk_notifications_report_id_reports'), type_='foreignkey')
        batch_op.drop_column('report_id')
        batch_op.drop_column('group_key')
