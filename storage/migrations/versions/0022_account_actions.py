"""account actions: limits, sensitive media, data deleted after a suspension; warnings; sign-up blocks

- `actors.silenced_at`, `sensitized_at` (Mastodon's columns), `deleted_at`: a suspended local
  account's data was deleted when its grace period ended (the row stays, as Mastodon's does).
- `users.sign_up_ip`: the client address an account signed up from (the admin API shows it).
- `account_warnings`: what moderators told an account (Mastodon's AccountWarning), shown to the
  member by a `moderation_warning` notification (`notifications.account_warning_id`).
- `canonical_email_blocks`, `email_domain_blocks`, `ip_blocks`: sign-ups refused from them.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('actors') as batch:
        batch.add_column(sa.Column('silenced_at', UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('sensitized_at', UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('deleted_at', UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('sign_up_ip', sa.String(length=64), nullable=True))
    op.create_table(
        'account_warnings',
        sa.Column('id', ID, nullable=False),
        sa.Column('target_actor_id', ID, nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('status_ids', sa.JSON(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['target_actor_id'], ['actors.id'],
                                name=op.f('fk_account_warnings_target_actor_id_actors'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_warnings')),
    )
    op.create_index(op.f('ix_account_warnings_target_actor_id'), 'account_warnings', ['target_actor_id'],
                    unique=False)
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('account_warning_id', ID, nullable=True))
        batch.create_foreign_key(op.f('fk_notifications_account_warning_id_account_warnings'),
                                 'account_warnings', ['account_warning_id'], ['id'], ondelete='CASCADE')
    op.create_table(
        'canonical_email_blocks',
        sa.Column('id', ID, nullable=False),
        sa.Column('canonical_email_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_canonical_email_blocks')),
        sa.UniqueConstraint('canonical_email_hash', name=op.f('uq_canonical_email_blocks_canonical_email_hash')),
    )
    op.create_table(
        'email_domain_blocks',
        sa.Column('id', ID, nullable=False),
        sa.Column('domain', sa.String(length=255), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_email_domain_blocks')),
        sa.UniqueConstraint('domain', name=op.f('uq_email_domain_blocks_domain')),
    )
    op.create_table(
        'ip_blocks',
        sa.Column('id', ID, nullable=False),
        sa.Column('ip', sa.String(length=64), nullable=False),
        sa.Column('severity', sa.String(length=32), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('expires_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_blocks')),
        sa.UniqueConstraint('ip', name=op.f('uq_ip_blocks_ip')),
    )


def downgrade() -> None:
    op.drop_table('ip_blocks')
    op.drop_table('email_domain_blocks')
    op.drop_table('canonical_email_blocks')
    with op.batch_alter_table('notifications') as batch:
        batch.drop_constraint(op.f('fk_notifications_account_warning_id_account_warnings'), type_='foreignkey')
        batch.drop_column('account_warning_id')
    op.drop_index(op.f('ix_account_warnings_target_actor_id'), table_name='account_warnings')
    op.drop_table('account_warnings')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('sign_up_ip')
    with op.batch_alter_table('actors') as batch:
        batch.drop_column('deleted_at')
        batch.drop_column('sensitized_at')
        batch.drop_column('silenced_at')
