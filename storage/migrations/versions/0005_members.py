"""members: invites, tokens, bookmarks, pins, mutes, domain blocks

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mutes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('target_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('notifications', sa.Boolean(), nullable=False),
    sa.Column('expires_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_mutes_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['actors.id'], name=op.f('fk_mutes_target_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mutes')),
    sa.UniqueConstraint('actor_id', 'target_id', name=op.f('uq_mutes_actor_id_target_id'))
    )
    with op.batch_alter_table('mutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mutes_target_id'), ['target_id'], unique=False)

    op.create_table('user_domain_blocks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('domain', sa.String(length=255), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_user_domain_blocks_actor_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_domain_blocks')),
    sa.UniqueConstraint('actor_id', 'domain', name=op.f('uq_user_domain_blocks_actor_id_domain'))
    )
    op.create_table('bookmarks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_bookmarks_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['status_id'], ['statuses.id'], name=op.f('fk_bookmarks_status_id_statuses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookmarks')),
    sa.UniqueConstraint('actor_id', 'status_id', name=op.f('uq_bookmarks_actor_id_status_id'))
    )
    with op.batch_alter_table('bookmarks', schema=None) as batch_op:
        batch_op.create_index('ix_bookmarks_actor_id_id', ['actor_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookmarks_status_id'), ['status_id'], unique=False)

    op.create_table('conversation_mutes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_conversation_mutes_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['status_id'], ['statuses.id'], name=op.f('fk_conversation_mutes_status_id_statuses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_mutes')),
    sa.UniqueConstraint('actor_id', 'status_id', name=op.f('uq_conversation_mutes_actor_id_status_id'))
    )
    with op.batch_alter_table('conversation_mutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_mutes_status_id'), ['status_id'], unique=False)

    op.create_table('invites',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('max_uses', sa.Integer(), nullable=True),
    sa.Column('uses', sa.Integer(), nullable=False),
    sa.Column('expires_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_invites_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invites')),
    sa.UniqueConstraint('code_digest', name=op.f('uq_invites_code_digest'))
    )
    op.create_table('pins',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_pins_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['status_id'], ['statuses.id'], name=op.f('fk_pins_status_id_statuses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pins')),
    sa.UniqueConstraint('actor_id', 'status_id', name=op.f('uq_pins_actor_id_status_id'))
    )
    with op.batch_alter_table('pins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pins_status_id'), ['status_id'], unique=False)

    op.create_table('user_tokens',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('expires_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_tokens')),
    sa.UniqueConstraint('digest', name=op.f('uq_user_tokens_digest'))
    )
    with op.batch_alter_table('user_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_user_tokens_user_id_purpose', ['user_id', 'purpose'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('sign_up_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('invite_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('invite_id')
        batch_op.drop_column('sign_up_reason')
        batch_op.drop_column('approved')

    with op.batch_alter_table('user_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_user_tokens_user_id_purpose')

    op.drop_table('user_tokens')
    with op.batch_alter_table('pins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pins_status_id'))

    op.drop_table('pins')
    op.drop_table('invites')
    with op.batch_alter_table('conversation_mutes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_mutes_status_id'))

    op.drop_table('conversation_mutes')
    with op.batch_alter_table('bookmarks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookmarks_status_id'))
        batch_op.drop_index('ix_bookmarks_actor_id_id')

    op.drop_table('bookmarks')
    op.drop_table('user_domain_blocks')
    with op.batch_alter_table('mutes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mutes_target_id'))

    op.drop_table('mutes')
