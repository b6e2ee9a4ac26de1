"""content: tags, emoji, media, polls, cards, posting defaults

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('custom_emojis',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shortcode', sa.String(length=128), nullable=False),
    sa.Column('domain', sa.String(length=255), nullable=True),
    sa.Column('uri', sa.String(length=2048), nullable=True),
    sa.Column('image_url', sa.String(length=2048), nullable=False),
    sa.Column('file_key', sa.String(length=255), nullable=True),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('category', sa.String(length=128), nullable=True),
    sa.Column('visible_in_picker', sa.Boolean(), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custom_emojis'))
    )
    with op.batch_alter_table('custom_emojis', schema=None) as batch_op:
        batch_op.create_index('uq_custom_emojis_local_shortcode', ['shortcode'], unique=True, sqlite_where=sa.text('domain IS NULL'), postgresql_where=sa.text('domain IS NULL'))
        batch_op.create_index('uq_custom_emojis_shortcode_domain', ['shortcode', 'domain'], unique=True, sqlite_where=sa.text('domain IS NOT NULL'), postgresql_where=sa.text('domain IS NOT NULL'))

    op.create_table('preview_cards',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=512), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('author_name', sa.String(length=255), nullable=False),
    sa.Column('author_url', sa.String(length=2048), nullable=False),
    sa.Column('provider_name', sa.String(length=255), nullable=False),
    sa.Column('provider_url', sa.String(length=2048), nullable=False),
    sa.Column('image_url', sa.String(length=2048), nullable=True),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('blurhash', sa.String(length=128), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('fetched_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_preview_cards')),
    sa.UniqueConstraint('url', name=op.f('uq_preview_cards_url'))
    )
    op.create_table('tags',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('display_name', sa.String(length=255), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('name', name=op.f('uq_tags_name'))
    )
    op.create_table('media_attachments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('remote_url', sa.String(length=2048), nullable=True),
    sa.Column('file_key', sa.String(length=255), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('thumbnail_key', sa.String(length=255), nullable=True),
    sa.Column('small_key', sa.String(length=255), nullable=True),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('blurhash', sa.String(length=128), nullable=True),
    sa.Column('focus_x', sa.Float(), nullable=False),
    sa.Column('focus_y', sa.Float(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('processing', sa.String(length=16), nullable=False),
    sa.Column('cached_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_media_attachments_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['status_id'], ['statuses.id'], name=op.f('fk_media_attachments_status_id_statuses'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media_attachments'))
    )
    with op.batch_alter_table('media_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_media_attachments_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_media_attachments_status_id'), ['status_id'], unique=False)

    op.create_table('polls',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('multiple', sa.Boolean(), nullable=False),
    sa.Column('hide_totals', sa.Boolean(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('expires_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('voters_count', sa.Integer(), nullable=False),
    sa.Column('votes_count', sa.Integer(), nullable=False),
    sa.Column('update_due_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['status_id'], ['statuses.id'], name=op.f('fk_polls_status_id_statuses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polls')),
    sa.UniqueConstraint('status_id', name=op.f('uq_polls_status_id'))
    )
    op.create_table('status_cards',
    sa.Column('status_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('card_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['preview_cards.id'], name=op.f('fk_status_cards_card_id_preview_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['status_id'], ['statuses.id'], name=op.f('fk_status_cards_status_id_statuses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('status_id', name=op.f('pk_status_cards'))
    )
    with op.batch_alter_table('status_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_cards_card_id'), ['card_id'], unique=False)

    op.create_table('status_emojis',
    sa.Column('status_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('emoji_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['emoji_id'], ['custom_emojis.id'], name=op.f('fk_status_emojis_emoji_id_custom_emojis'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['status_id'], ['statuses.id'], name=op.f('fk_status_emojis_status_id_statuses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('status_id', 'emoji_id', name=op.f('pk_status_emojis'))
    )
    op.create_table('status_tags',
    sa.Column('status_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tag_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['status_id'], ['statuses.id'], name=op.f('fk_status_tags_status_id_statuses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_status_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('status_id', 'tag_id', name=op.f('pk_status_tags'))
    )
    with op.batch_alter_table('status_tags', schema=None) as batch_op:
        batch_op.create_index('ix_status_tags_tag_id_status_id', ['tag_id', 'status_id'], unique=False)

    op.create_table('poll_votes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('poll_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('choice', sa.Integer(), nullable=False),
    sa.Column('uri', sa.String(length=2048), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_poll_votes_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_votes_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_votes')),
    sa.UniqueConstraint('poll_id', 'actor_id', 'choice', name=op.f('uq_poll_votes_poll_id_actor_id_choice')),
    sa.UniqueConstraint('uri', name=op.f('uq_poll_votes_uri'))
    )
    with op.batch_alter_table('poll_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_votes_actor_id'), ['actor_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_language', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('default_privacy', sa.String(length=16), server_default='public', nullable=False))
        batch_op.add_column(sa.Column('default_sensitive', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('default_format', sa.String(length=32), server_default='text/plain', nullable=False))

    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_map', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.drop_column('source_map')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('default_format')
        batch_op.drop_column('default_sensitive')
        batch_op.drop_column('default_privacy')
        batch_op.drop_column('default_language')

    with op.batch_alter_table('poll_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_votes_actor_id'))

    op.drop_table('poll_votes')
    with op.batch_alter_table('status_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_status_tags_tag_id_status_id')

    op.drop_table('status_tags')
    op.drop_table('status_emojis')
    with op.batch_alter_table('status_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_cards_card_id'))

    op.drop_table('status_cards')
    op.drop_table('polls')
    with op.batch_alter_table('media_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_media_attachments_status_id'))
        batch_op.drop_index(batch_op.f('ix_media_attachments_actor_id'))

    op.drop_table('media_attachments')
    op.drop_table('tags')
    op.drop_table('preview_cards')
    with op.batch_alter_table('custom_emojis', schema=None) as batch_op:
        batch_op.drop_index('uq_custom_emojis_shortcode_domain', sqlite_where=sa.text('domain IS NOT NULL'), postgresql_where=sa.text('domain IS NOT NULL'))
        batch_op.drop_index('uq_custom_emojis_local_shortcode', sqlite_where=sa.text('domain IS NULL'), postgresql_where=sa.text('domain IS NULL'))

    op.drop_table('custom_emojis')
