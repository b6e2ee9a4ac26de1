"""federation: statuses, follows, inbox, hosts, domain rules

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('domain_rules',
    sa.Column('domain', sa.String(length=255), nullable=False),
    sa.Column('policy', sa.String(length=16), nullable=False),
    sa.Column('reject_media', sa.Boolean(), nullable=False),
    sa.Column('public_comment', sa.Text(), nullable=False),
    sa.Column('private_comment', sa.Text(), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('domain', name=op.f('pk_domain_rules'))
    )
    op.create_table('hosts',
    sa.Column('domain', sa.String(length=255), nullable=False),
    sa.Column('failing_since', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('unreachable', sa.Boolean(), nullable=False),
    sa.Column('next_probe_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('domain', name=op.f('pk_hosts'))
    )
    op.create_table('inbox_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('activity_id', sa.String(length=2048), nullable=False),
    sa.Column('actor_uri', sa.String(length=2048), nullable=False),
    sa.Column('signer_uri', sa.String(length=2048), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('received_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('processed_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_items')),
    sa.UniqueConstraint('activity_id', name=op.f('uq_inbox_items_activity_id'))
    )
    with op.batch_alter_table('inbox_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_items_received_at'), ['received_at'], unique=False)

    op.create_table('outbox_activities',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('uri', sa.String(length=2048), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_activities')),
    sa.UniqueConstraint('uri', name=op.f('uq_outbox_activities_uri'))
    )
    with op.batch_alter_table('outbox_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_activities_actor_id'), ['actor_id'], unique=False)

    op.create_table('tombstones',
    sa.Column('uri', sa.String(length=2048), nullable=False),
    sa.Column('actor_uri', sa.String(length=2048), nullable=True),
    sa.Column('deleted_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('uri', name=op.f('pk_tombstones'))
    )
    op.create_table('blocks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('target_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('uri', sa.String(length=2048), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_blocks_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['actors.id'], name=op.f('fk_blocks_target_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blocks')),
    sa.UniqueConstraint('actor_id', 'target_id', name=op.f('uq_blocks_actor_id_target_id')),
    sa.UniqueConstraint('uri', name=op.f('uq_blocks_uri'))
    )
    with op.batch_alter_table('blocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blocks_target_id'), ['target_id'], unique=False)

    op.create_table('follows',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('follower_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('followee_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('uri', sa.String(length=2048), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('show_reblogs', sa.Boolean(), nullable=False),
    sa.Column('notify', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['followee_id'], ['actors.id'], name=op.f('fk_follows_followee_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['follower_id'], ['actors.id'], name=op.f('fk_follows_follower_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follows')),
    sa.UniqueConstraint('follower_id', 'followee_id', name=op.f('uq_follows_follower_id_followee_id')),
    sa.UniqueConstraint('uri', name=op.f('uq_follows_uri'))
    )
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follows_followee_id'), ['followee_id'], unique=False)

    op.create_table('reports',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('uri', sa.String(length=2048), nullable=True),
    sa.Column('reporter_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('target_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status_ids', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['reporter_id'], ['actors.id'], name=op.f('fk_reports_reporter_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['actors.id'], name=op.f('fk_reports_target_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
    sa.UniqueConstraint('uri', name=op.f('uq_reports_uri'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_target_id'), ['target_id'], unique=False)

    op.create_table('statuses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('uri', sa.String(length=2048), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=True),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('local', sa.Boolean(), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('in_reply_to_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('in_reply_to_uri', sa.String(length=2048), nullable=True),
    sa.Column('reblog_of_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('local_only', sa.Boolean(), nullable=False),
    sa.Column('sensitive', sa.Boolean(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('content_map', sa.JSON(), nullable=False),
    sa.Column('summary_map', sa.JSON(), nullable=False),
    sa.Column('source_text', sa.Text(), nullable=True),
    sa.Column('source_type', sa.String(length=32), nullable=False),
    sa.Column('published_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('edited_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('replies_count', sa.Integer(), nullable=False),
    sa.Column('reblogs_count', sa.Integer(), nullable=False),
    sa.Column('favourites_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_statuses_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['in_reply_to_id'], ['statuses.id'], name=op.f('fk_statuses_in_reply_to_id_statuses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reblog_of_id'], ['statuses.id'], name=op.f('fk_statuses_reblog_of_id_statuses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statuses')),
    sa.UniqueConstraint('uri', name=op.f('uq_statuses_uri'))
    )
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statuses_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_statuses_actor_id_id', ['actor_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statuses_in_reply_to_id'), ['in_reply_to_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statuses_in_reply_to_uri'), ['in_reply_to_uri'], unique=False)
        batch_op.create_index(batch_op.f('ix_statuses_reblog_of_id'), ['reblog_of_id'], unique=False)

    op.create_table('favourites',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('uri', sa.String(length=2048), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_favourites_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['status_id'], ['statuses.id'], name=op.f('fk_favourites_status_id_statuses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_favourites')),
    sa.UniqueConstraint('actor_id', 'status_id', name=op.f('uq_favourites_actor_id_status_id')),
    sa.UniqueConstraint('uri', name=op.f('uq_favourites_uri'))
    )
    with op.batch_alter_table('favourites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_favourites_status_id'), ['status_id'], unique=False)

    op.create_table('home_timeline',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['actors.id'], name=op.f('fk_home_timeline_owner_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['status_id'], ['statuses.id'], name=op.f('fk_home_timeline_status_id_statuses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_home_timeline')),
    sa.UniqueConstraint('owner_id', 'status_id', name=op.f('uq_home_timeline_owner_id_status_id'))
    )
    with op.batch_alter_table('home_timeline', schema=None) as batch_op:
        batch_op.create_index('ix_home_timeline_owner_id_status_id_desc', ['owner_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_home_timeline_status_id'), ['status_id'], unique=False)

    op.create_table('mentions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_mentions_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['status_id'], ['statuses.id'], name=op.f('fk_mentions_status_id_statuses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentions')),
    sa.UniqueConstraint('status_id', 'actor_id', name=op.f('uq_mentions_status_id_actor_id'))
    )
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentions_actor_id'), ['actor_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('recipient_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('from_actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['from_actor_id'], ['actors.id'], name=op.f('fk_notifications_from_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['actors.id'], name=op.f('fk_notifications_recipient_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['status_id'], ['statuses.id'], name=op.f('fk_notifications_status_id_statuses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('recipient_id', 'type', 'from_actor_id', 'status_id', name=op.f('uq_notifications_recipient_id_type_from_actor_id_status_id'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_recipient_id_id', ['recipient_id', 'id'], unique=False)

    op.create_table('status_edits',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('content_map', sa.JSON(), nullable=False),
    sa.Column('sensitive', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['status_id'], ['statuses.id'], name=op.f('fk_status_edits_status_id_statuses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_edits'))
    )
    with op.batch_alter_table('status_edits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_edits_status_id'), ['status_id'], unique=False)

    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('url', sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column('outbox_url', sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column('followers_url', sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column('following_url', sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column('featured_url', sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column('avatar_url', sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column('header_url', sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column('fields', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('also_known_as', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('moved_to_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('key_id', sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column('fetched_at', storage.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_actors_key_id'), ['key_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_actors_moved_to_id_actors'), 'actors', ['moved_to_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.alter_column('fields', server_default=None)
        batch_op.alter_column('also_known_as', server_default=None)
    # SQLite rebuilds the table in batch mode without the expression index it cannot reflect.
    op.execute("CREATE UNIQUE INDEX IF NOT EXISTS uq_actors_local_username ON actors (lower(username))"
               " WHERE domain IS NULL")
    # Local actors created before this revision get the addresses now stored per actor.
    op.execute("UPDATE actors SET key_id = uri || '#main-key', outbox_url = uri || '/outbox',"
               " followers_url = uri || '/followers', following_url = uri || '/following',"
               " featured_url = uri || '/collections/featured', url = replace(uri, '/users/', '/@')"
               " WHERE domain IS NULL")



def downgrade() -> None:
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_actors_moved_to_id_actors'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_actors_key_id'))
        batch_op.drop_column('fetched_at')
        batch_op.drop_column('key_id')
        batch_op.drop_column('moved_to_id')
        batch_op.drop_column('also_known_as')
        batch_op.drop_column('fields')
        batch_op.drop_column('header_url')
        batch_op.drop_column('avatar_url')
        batch_op.drop_column('featured_url')
        batch_op.drop_column('following_url')
        batch_op.drop_column('followers_url')
        batch_op.drop_column('outbox_url')
        batch_op.drop_column('url')

    with op.batch_alter_table('status_edits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_edits_status_id'))

    op.drop_table('status_edits')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_recipient_id_id')

    op.drop_table('notifications')
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentions_actor_id'))

    op.drop_table('mentions')
    with op.batch_alter_table('home_timeline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_home_timeline_status_id'))
        batch_op.drop_index('ix_home_timeline_owner_id_status_id_desc')

    op.drop_table('home_timeline')
    with op.batch_alter_table('favourites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_favourites_status_id'))

    op.drop_table('favourites')
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statuses_reblog_of_id'))
        batch_op.drop_index(batch_op.f('ix_statuses_in_reply_to_uri'))
        batch_op.drop_index(batch_op.f('ix_statuses_in_reply_to_id'))
        batch_op.drop_index('ix_statuses_actor_id_id')
        batch_op.drop_index(batch_op.f('ix_statuses_actor_id'))

    op.drop_table('statuses')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_target_id'))

    op.drop_table('reports')
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follows_followee_id'))

    op.drop_table('follows')
    with op.batch_alter_table('blocks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blocks_target_id'))

    op.drop_table('blocks')
    op.drop_table('tombstones')
    with op.batch_alter_table('outbox_activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_activities_actor_id'))

    op.drop_table('outbox_activities')
    with op.batch_alter_table('inbox_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_items_received_at'))

    op.drop_table('inbox_items')
    op.drop_table('hosts')
    op.drop_table('domain_rules')
