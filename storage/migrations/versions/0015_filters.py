"""filters: a member's keyword and status filters (Mastodon's filters v2; v1 maps onto them)

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_WHEN = storage.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'custom_filters',
        sa.Column('id', _ID, nullable=False),
        sa.Column('actor_id', _ID, nullable=False),
        sa.Column('title', sa.String(length=256), nullable=False),
        sa.Column('context', sa.JSON(), nullable=False),
        sa.Column('action', sa.String(length=8), nullable=False),
        sa.Column('expires_at', _WHEN, nullable=True),
        sa.Column('created_at', _WHEN, nullable=False),
        sa.Column('updated_at', _WHEN, nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_custom_filters_actor_id_actors'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_custom_filters')),
    )
    op.create_index('ix_custom_filters_actor_id_id', 'custom_filters', ['actor_id', 'id'], unique=False)
    op.create_table(
        'filter_keywords',
        sa.Column('id', _ID, nullable=False),
        sa.Column('filter_id', _ID, nullable=False),
        sa.Column('keyword', sa.String(length=512), nullable=False),
        sa.Column('whole_word', sa.Boolean(), nullable=False),
        sa.Column('created_at', _WHEN, nullable=False),
        sa.ForeignKeyConstraint(['filter_id'], ['custom_filters.id'],
                                name=op.f('fk_filter_keywords_filter_id_custom_filters'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_filter_keywords')),
    )
    op.create_index(op.f('ix_filter_keywords_filter_id'), 'filter_keywords', ['filter_id'], unique=False)
    op.create_table(
        'filter_statuses',
        sa.Column('id', _ID, nullable=False),
        sa.Column('filter_id', _ID, nullable=False),
        sa.Column('status_id', _ID, nullable=False),
        sa.Column('created_at', _WHEN, nullable=False),
        sa.ForeignKeyConstraint(['filter_id'], ['custom_filters.id'],
                                name=op.f('fk_filter_statuses_filter_id_custom_filters'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['status_id'], ['statuses.id'], name=op.f('fk_filter_statuses_status_id_statuses'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_filter_statuses')),
        sa.UniqueConstraint('filter_id', 'status_id', name=op.f('uq_filter_statuses_filter_id_status_id')),
    )
    op.create_index(op.f('ix_filter_statuses_status_id'), 'filter_statuses', ['status_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_filter_statuses_status_id'), table_name='filter_statuses')
    op.drop_table('filter_statuses')
    op.drop_index(op.f('ix_filter_keywords_filter_id'), table_name='filter_keywords')
    op.drop_table('filter_keywords')
    op.drop_index('ix_custom_filters_actor_id_id', table_name='custom_filters')
    op.drop_table('custom_filters')
