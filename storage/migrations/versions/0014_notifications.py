"""notifications: group keys, reports and filtering on notifications, markers, policies

`notifications.group_key` is Mastodon's key for grouped notifications (v2), null for the types
that are not grouped and for rows written before this revision; `notifications.report_id`
names the report of an `admin.report`. `markers` keeps where a member stopped reading their
home timeline and their notifications. `notifications.filtered` marks what a member's
notification policy held back; `notification_policies`, `notification_requests` (filtered
notifications per sender) and `notification_permissions` (senders let through) are Mastodon
4.3's notification filtering.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
POLICY_COLUMNS = ('for_not_following', 'for_not_followers', 'for_new_accounts', 'for_private_mentions',
                  'for_limited_accounts')


def upgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_key', sa.String(length=96), nullable=True))
        batch_op.add_column(sa.Column('report_id', ID, nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_report_id_reports'), 'reports',
                                    ['report_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('ix_notifications_recipient_id_group_key', ['recipient_id', 'group_key'],
                              unique=False)
        batch_op.add_column(sa.Column('filtered', sa.Boolean(), server_default=sa.false(), nullable=False))
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

    op.create_table(
        'notification_policies',
        sa.Column('actor_id', ID, nullable=False),
        *[sa.Column(name, sa.String(length=8), nullable=False) for name in POLICY_COLUMNS],
        sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_notification_policies_actor_id_actors'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('actor_id', name=op.f('pk_notification_policies')),
    )
    for table in ('notification_requests', 'notification_permissions'):
        columns: list[sa.Column[Any]] = [sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False)
                   ] if table == 'notification_requests' else []
        op.create_table(
            table,
            sa.Column('id', ID, nullable=False),
            sa.Column('recipient_id', ID, nullable=False),
            sa.Column('from_actor_id', ID, nullable=False),
            sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
            *columns,
            sa.ForeignKeyConstraint(['from_actor_id'], ['actors.id'],
                                    name=op.f(f'fk_{table}_from_actor_id_actors'), ondelete='CASCADE'),
            sa.ForeignKeyConstraint(['recipient_id'], ['actors.id'],
                                    name=op.f(f'fk_{table}_recipient_id_actors'), ondelete='CASCADE'),
            sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
            sa.UniqueConstraint('recipient_id', 'from_actor_id', name=op.f(f'uq_{table}_recipient_id_from_actor_id')),
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_from_actor_id'), ['from_actor_id'], unique=False)


def downgrade() -> None:
    for table in ('notification_permissions', 'notification_requests'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_from_actor_id'))
        op.drop_table(table)
    op.drop_table('notification_policies')
    op.drop_table('markers')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('filtered')
        batch_op.drop_index('ix_notifications_recipient_id_group_key')
        batch_op.drop_constraint(batch_op.f('fk_notifications_report_id_reports'), type_='foreignkey')
        batch_op.drop_column('report_id')
        batch_op.drop_column('group_key')
