"""foundation: actors, users, settings, jobs

Revision ID: 0001
Revises: 
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Hands each process a distinct tag for storage.ids (see storage/db.claim_process_tag).
        op.execute("CREATE SEQUENCE amity_process_tags MINVALUE 0 MAXVALUE 1023 START 0 CYCLE")
    op.create_table('actors',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('username', sa.String(length=255), nullable=False),
    sa.Column('domain', sa.String(length=255), nullable=True),
    sa.Column('uri', sa.String(length=2048), nullable=False),
    sa.Column('actor_type', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=255), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('bot', sa.Boolean(), nullable=False),
    sa.Column('discoverable', sa.Boolean(), nullable=False),
    sa.Column('inbox_url', sa.String(length=2048), nullable=True),
    sa.Column('shared_inbox_url', sa.String(length=2048), nullable=True),
    sa.Column('public_key_pem', sa.Text(), nullable=True),
    sa.Column('private_key_pem', sa.Text(), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('suspended_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actors')),
    sa.UniqueConstraint('uri', name=op.f('uq_actors_uri'))
    )
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.create_index('ix_actors_domain_username', ['domain', 'username'], unique=False)
        batch_op.create_index('uq_actors_local_username', [sa.text('lower(username)')], unique=True,
                              sqlite_where=sa.text('domain IS NULL'),
                              postgresql_where=sa.text('domain IS NULL'))

    op.create_table('instance_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_instance_settings'))
    )
    op.create_table('jobs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('queue', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('locked_until', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_ready', ['queue', 'run_after', 'id'], unique=False, sqlite_where=sa.text("state = 'queued'"), postgresql_where=sa.text("state = 'queued'"))

    op.create_table('users',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('confirmed_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_users_actor_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('actor_id', name=op.f('uq_users_actor_id')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE amity_process_tags")
    op.drop_table('users')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_ready', sqlite_where=sa.text("state = 'queued'"), postgresql_where=sa.text("state = 'queued'"))

    op.drop_table('jobs')
    op.drop_table('instance_settings')
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.drop_index('uq_actors_local_username')
        batch_op.drop_index('ix_actors_domain_username')

    op.drop_table('actors')
