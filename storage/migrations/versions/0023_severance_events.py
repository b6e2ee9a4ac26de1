"""severance events: the follows a domain suspension severed, per member, for their notification

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'severance_events',
        sa.Column('id', ID, nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('target_name', sa.String(length=255), nullable=False),
        sa.Column('purged', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_severance_events')),
    )
    op.create_table(
        'account_severances',
        sa.Column('id', ID, nullable=False),
        sa.Column('event_id', ID, nullable=False),
        sa.Column('account_id', ID, nullable=False),
        sa.Column('followers_count', sa.Integer(), nullable=False),
        sa.Column('following_count', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['severance_events.id'],
                                name=op.f('fk_account_severances_event_id_severance_events'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['account_id'], ['actors.id'],
                                name=op.f('fk_account_severances_account_id_actors'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_severances')),
        sa.UniqueConstraint('event_id', 'account_id', name=op.f('uq_account_severances_event_id_account_id')),
    )
    op.create_index(op.f('ix_account_severances_account_id'), 'account_severances', ['account_id'])
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('severance_id', ID, nullable=True))
        batch.create_foreign_key(op.f('fk_notifications_severance_id_account_severances'), 'account_severances',
                                 ['severance_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('notifications') as batch:
        batch.drop_constraint(op.f('fk_notifications_severance_id_account_severances'), type_='foreignkey')
        batch.drop_column('severance_id')
    op.drop_index(op.f('ix_account_severances_account_id'), table_name='account_severances')
    op.drop_table('account_severances')
    op.drop_table('severance_events')
