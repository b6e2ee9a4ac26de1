"""lists, followed tags, featured tags, endorsements

A list member's row points at the follow that allows it and goes with it (ON DELETE CASCADE).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _id(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, ID, nullable=nullable)


def _created() -> sa.Column:
    return sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'),
                                   ondelete='CASCADE')


def upgrade() -> None:
    op.create_table(
        'lists', _id('id'), _id('actor_id'),
        sa.Column('title', sa.String(length=255), nullable=False),
        sa.Column('replies_policy', sa.String(length=16), nullable=False),
        sa.Column('exclusive', sa.Boolean(), nullable=False), _created(),
        _fk('lists', 'actor_id', 'actors'), sa.PrimaryKeyConstraint('id', name=op.f('pk_lists')))
    op.create_index(op.f('ix_lists_actor_id'), 'lists', ['actor_id'], unique=False)
    op.create_table(
        'list_accounts', _id('id'), _id('list_id'), _id('account_id'), _id('follow_id', nullable=True),
        _fk('list_accounts', 'list_id', 'lists'), _fk('list_accounts', 'account_id', 'actors'),
        _fk('list_accounts', 'follow_id', 'follows'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_list_accounts')),
        sa.UniqueConstraint('list_id', 'account_id', name=op.f('uq_list_accounts_list_id_account_id')))
    op.create_index(op.f('ix_list_accounts_account_id'), 'list_accounts', ['account_id'], unique=False)
    op.create_index(op.f('ix_list_accounts_follow_id'), 'list_accounts', ['follow_id'], unique=False)
    op.create_table(
        'followed_tags', _id('id'), _id('actor_id'), _id('tag_id'), _created(),
        _fk('followed_tags', 'actor_id', 'actors'), _fk('followed_tags', 'tag_id', 'tags'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_followed_tags')),
        sa.UniqueConstraint('actor_id', 'tag_id', name=op.f('uq_followed_tags_actor_id_tag_id')))
    op.create_index('ix_followed_tags_tag_id_actor_id', 'followed_tags', ['tag_id', 'actor_id'], unique=False)
    op.create_table(
        'featured_tags', _id('id'), _id('actor_id'), _id('tag_id'), _created(),
        _fk('featured_tags', 'actor_id', 'actors'), _fk('featured_tags', 'tag_id', 'tags'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_featured_tags')),
        sa.UniqueConstraint('actor_id', 'tag_id', name=op.f('uq_featured_tags_actor_id_tag_id')))
    op.create_index(op.f('ix_featured_tags_tag_id'), 'featured_tags', ['tag_id'], unique=False)
    op.create_table(
        'endorsements', _id('id'), _id('actor_id'), _id('target_id'), _created(),
        _fk('endorsements', 'actor_id', 'actors'), _fk('endorsements', 'target_id', 'actors'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_endorsements')),
        sa.UniqueConstraint('actor_id', 'target_id', name=op.f('uq_endorsements_actor_id_target_id')))
    op.create_index(op.f('ix_endorsements_target_id'), 'endorsements', ['target_id'], unique=False)


def downgrade() -> None:
    for table in ('endorsements', 'featured_tags', 'followed_tags', 'list_accounts', 'lists'):
        op.drop_table(table)
