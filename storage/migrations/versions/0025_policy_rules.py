"""policy rules: admins' rules for incoming posts (keywords, hashtags, mentions, new accounts)

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'policy_rules',
        sa.Column('id', ID, nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=500), nullable=False),
        sa.Column('regex', sa.Boolean(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('created_by', sa.String(length=255), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_policy_rules_position', 'policy_rules', ['position'])


def downgrade() -> None:
    op.drop_index('ix_policy_rules_position', table_name='policy_rules')
    op.drop_table('policy_rules')
