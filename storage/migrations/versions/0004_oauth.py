"""oauth: apps, codes, tokens, browser sessions

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oauth_applications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('client_secret_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('website', sa.String(length=2048), nullable=True),
    sa.Column('redirect_uris', sa.JSON(), nullable=False),
    sa.Column('scopes', sa.String(length=1024), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_applications')),
    sa.UniqueConstraint('client_id', name=op.f('uq_oauth_applications_client_id'))
    )
    op.create_table('browser_sessions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('session_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('csrf_secret', sa.String(length=64), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_browser_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_browser_sessions')),
    sa.UniqueConstraint('session_hash', name=op.f('uq_browser_sessions_session_hash'))
    )
    with op.batch_alter_table('browser_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_browser_sessions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_browser_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_browser_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('oauth_authorization_codes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('scopes', sa.String(length=1024), nullable=False),
    sa.Column('redirect_uri', sa.String(length=2048), nullable=False),
    sa.Column('code_challenge', sa.String(length=128), nullable=True),
    sa.Column('code_challenge_method', sa.String(length=8), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['oauth_applications.id'], name=op.f('fk_oauth_authorization_codes_application_id_oauth_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oauth_authorization_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_authorization_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_oauth_authorization_codes_code_hash'))
    )
    with op.batch_alter_table('oauth_authorization_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_authorization_codes_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_authorization_codes_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_authorization_codes_user_id'), ['user_id'], unique=False)

    op.create_table('oauth_access_tokens',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('authorization_code_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('scopes', sa.String(length=1024), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['oauth_applications.id'], name=op.f('fk_oauth_access_tokens_application_id_oauth_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['authorization_code_id'], ['oauth_authorization_codes.id'], name=op.f('fk_oauth_access_tokens_authorization_code_id_oauth_authorization_codes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oauth_access_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_access_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_oauth_access_tokens_token_hash'))
    )
    with op.batch_alter_table('oauth_access_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_access_tokens_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_access_tokens_authorization_code_id'), ['authorization_code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_access_tokens_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_access_tokens_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('oauth_access_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_access_tokens_user_id'))
        batch_op.drop_index(batch_op.f('ix_oauth_access_tokens_created_at'))
        batch_op.drop_index(batch_op.f('ix_oauth_access_tokens_authorization_code_id'))
        batch_op.drop_index(batch_op.f('ix_oauth_access_tokens_application_id'))

    op.drop_table('oauth_access_tokens')
    with op.batch_alter_table('oauth_authorization_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_authorization_codes_user_id'))
        batch_op.drop_index(batch_op.f('ix_oauth_authorization_codes_expires_at'))
        batch_op.drop_index(batch_op.f('ix_oauth_authorization_codes_application_id'))

    op.drop_table('oauth_authorization_codes')
    with op.batch_alter_table('browser_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_browser_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_browser_sessions_expires_at'))
        batch_op.drop_index(batch_op.f('ix_browser_sessions_created_at'))

    op.drop_table('browser_sessions')
    op.drop_table('oauth_applications')
