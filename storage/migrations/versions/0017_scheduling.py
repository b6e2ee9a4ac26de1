"""scheduling: scheduled statuses, account notes, refresh tokens

`scheduled_statuses` holds posts waiting for their time; `media_attachments.scheduled_status_id`
marks the uploads they reserve (kept from pruning until then). `account_notes` are members'
private notes on accounts. `oauth_access_tokens.refresh_token_hash` is the digest of the token's
refresh token (one use each: a refresh revokes the row and issues a new one).

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
WHEN = storage.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'scheduled_statuses',
        sa.Column('id', ID, nullable=False),
        sa.Column('actor_id', ID, nullable=False),
        sa.Column('scheduled_at', WHEN, nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('application_id', ID, nullable=True),
        sa.Column('created_at', WHEN, nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_scheduled_statuses_actor_id_actors'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_statuses')),
    )
    op.create_index(op.f('ix_scheduled_statuses_actor_id'), 'scheduled_statuses', ['actor_id'], unique=False)
    op.create_index(op.f('ix_scheduled_statuses_scheduled_at'), 'scheduled_statuses', ['scheduled_at'],
                    unique=False)
    op.create_table(
        'account_notes',
        sa.Column('id', ID, nullable=False),
        sa.Column('actor_id', ID, nullable=False),
        sa.Column('target_id', ID, nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('updated_at', WHEN, nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_account_notes_actor_id_actors'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['target_id'], ['actors.id'], name=op.f('fk_account_notes_target_id_actors'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_notes')),
        sa.UniqueConstraint('actor_id', 'target_id', name=op.f('uq_account_notes_actor_id_target_id')),
    )
    op.create_index(op.f('ix_account_notes_target_id'), 'account_notes', ['target_id'], unique=False)
    op.add_column('media_attachments', sa.Column('scheduled_status_id', ID, nullable=True))
    op.create_index(op.f('ix_media_attachments_scheduled_status_id'), 'media_attachments',
                    ['scheduled_status_id'], unique=False)
    op.add_column('oauth_access_tokens', sa.Column('refresh_token_hash', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_oauth_access_tokens_refresh_token_hash'), 'oauth_access_tokens',
                    ['refresh_token_hash'], unique=True)


def downgrade() -> None:
    op.drop_index(op.f('ix_oauth_access_tokens_refresh_token_hash'), table_name='oauth_access_tokens')
    with op.batch_alter_table('oauth_access_tokens') as batch_op:
        batch_op.drop_column('refresh_token_hash')
    op.drop_index(op.f('ix_media_attachments_scheduled_status_id'), table_name='media_attachments')
    with op.batch_alter_table('media_attachments') as batch_op:
        batch_op.drop_column('scheduled_status_id')
    op.drop_index(op.f('ix_account_notes_target_id'), table_name='account_notes')
    op.drop_table('account_notes')
    op.drop_index(op.f('ix_scheduled_statuses_scheduled_at'), table_name='scheduled_statuses')
    op.drop_index(op.f('ix_scheduled_statuses_actor_id'), table_name='scheduled_statuses')
    op.drop_table('scheduled_statuses')
