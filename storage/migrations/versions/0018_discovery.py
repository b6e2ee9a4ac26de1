"""discovery: conversations, tag-use counters for trends, suggestion dismissals, announcements

Every status gets a conversation (`statuses.conversation_id`, no foreign key so adding it never
rebuilds the statuses table on SQLite). Existing rows: a thread's first post (or a boost's
absence of one) starts a conversation whose id is the post's id, replies take their parent's,
one statement per level of depth; replies in a loop (remote posts can reply in a circle) start
their own. Local members' direct messages become their (read) conversations.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
WHEN = storage.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    _tables()
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conversation_id', ID, nullable=True))
        batch_op.create_index(batch_op.f('ix_statuses_conversation_id'), ['conversation_id'], unique=False)
    _existing_conversations()


def _tables() -> None:
    op.create_table(
        'conversations',
        sa.Column('id', ID, nullable=False),
        sa.Column('uri', sa.String(length=2048), nullable=True),
        sa.Column('created_at', WHEN, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
        sa.UniqueConstraint('uri', name=op.f('uq_conversations_uri')),
    )
    op.create_table(
        'account_conversations',
        sa.Column('actor_id', ID, nullable=False),
        sa.Column('conversation_id', ID, nullable=False),
        sa.Column('last_status_id', ID, nullable=True),
        sa.Column('unread', sa.Boolean(), nullable=False),
        sa.Column('updated_at', WHEN, nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_account_conversations_actor_id_actors'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_account_conversations_conversation_id_conversations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['last_status_id'], ['statuses.id'],
                                name=op.f('fk_account_conversations_last_status_id_statuses'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('actor_id', 'conversation_id', name=op.f('pk_account_conversations')),
    )
    op.create_index('ix_account_conversations_actor_id_last_status_id', 'account_conversations',
                    ['actor_id', 'last_status_id'], unique=False)
    op.create_index(op.f('ix_account_conversations_last_status_id'), 'account_conversations',
                    ['last_status_id'], unique=False)
    op.create_table(
        'tag_uses',
        sa.Column('tag_id', ID, nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('actor_id', ID, nullable=False),
        sa.Column('uses', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_tag_uses_actor_id_actors'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_tag_uses_tag_id_tags'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('tag_id', 'day', 'actor_id', name=op.f('pk_tag_uses')),
    )
    op.create_index('ix_tag_uses_day', 'tag_uses', ['day'], unique=False)
    op.create_table(
        'suggestion_dismissals',
        sa.Column('id', ID, nullable=False),
        sa.Column('actor_id', ID, nullable=False),
        sa.Column('target_id', ID, nullable=False),
        sa.Column('created_at', WHEN, nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_suggestion_dismissals_actor_id_actors'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['target_id'], ['actors.id'],
                                name=op.f('fk_suggestion_dismissals_target_id_actors'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_dismissals')),
        sa.UniqueConstraint('actor_id', 'target_id', name=op.f('uq_suggestion_dismissals_actor_id_target_id')),
    )
    op.create_index(op.f('ix_suggestion_dismissals_target_id'), 'suggestion_dismissals', ['target_id'],
                    unique=False)
    _announcement_tables()


def _announcement_tables() -> None:
    op.create_table(
        'announcements',
        sa.Column('id', ID, nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('starts_at', WHEN, nullable=True),
        sa.Column('ends_at', WHEN, nullable=True),
        sa.Column('all_day', sa.Boolean(), nullable=False),
        sa.Column('published_at', WHEN, nullable=False),
        sa.Column('updated_at', WHEN, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements')),
    )
    op.create_table(
        'announcement_dismissals',
        sa.Column('announcement_id', ID, nullable=False),
        sa.Column('actor_id', ID, nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['actors.id'],
                                name=op.f('fk_announcement_dismissals_actor_id_actors'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['announcement_id'], ['announcements.id'],
                                name=op.f('fk_announcement_dismissals_announcement_id_announcements'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('announcement_id', 'actor_id', name=op.f('pk_announcement_dismissals')),
    )
    op.create_table(
        'announcement_reactions',
        sa.Column('id', ID, nullable=False),
        sa.Column('announcement_id', ID, nullable=False),
        sa.Column('actor_id', ID, nullable=False),
        sa.Column('name', sa.String(length=128), nullable=False),
        sa.Column('created_at', WHEN, nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['actors.id'],
                                name=op.f('fk_announcement_reactions_actor_id_actors'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['announcement_id'], ['announcements.id'],
                                name=op.f('fk_announcement_reactions_announcement_id_announcements'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_reactions')),
        sa.UniqueConstraint('announcement_id', 'actor_id', 'name',
                            name=op.f('uq_announcement_reactions_announcement_id_actor_id_name')),
    )
    op.create_index(op.f('ix_announcement_reactions_actor_id'), 'announcement_reactions', ['actor_id'],
                    unique=False)


_ROOTS = ("UPDATE statuses SET conversation_id = id "
          "WHERE conversation_id IS NULL AND reblog_of_id IS NULL AND in_reply_to_id IS NULL")
_NEXT_LEVEL = ("UPDATE statuses SET conversation_id = "
               "(SELECT p.conversation_id FROM statuses p WHERE p.id = statuses.in_reply_to_id) "
               "WHERE conversation_id IS NULL AND reblog_of_id IS NULL AND in_reply_to_id IN "
               "(SELECT q.id FROM statuses q WHERE q.conversation_id IS NOT NULL)")
_LOOPS = "UPDATE statuses SET conversation_id = id WHERE conversation_id IS NULL AND reblog_of_id IS NULL"
_CONVERSATIONS = ("INSERT INTO conversations (id, created_at) "
                  "SELECT id, published_at FROM statuses WHERE conversation_id = id")
_DIRECT = (
    "INSERT INTO account_conversations (actor_id, conversation_id, last_status_id, unread, updated_at) "
    "SELECT p.actor_id, s.conversation_id, MAX(s.id), :unread, :now FROM ("
    "  SELECT d.id AS status_id, d.actor_id AS actor_id FROM statuses d WHERE d.visibility = 'direct'"
    "  UNION SELECT m.status_id, m.actor_id FROM mentions m JOIN statuses d ON d.id = m.status_id"
    "  WHERE d.visibility = 'direct') p "
    "JOIN statuses s ON s.id = p.status_id JOIN actors a ON a.id = p.actor_id "
    "WHERE a.domain IS NULL AND s.conversation_id IS NOT NULL GROUP BY p.actor_id, s.conversation_id")


def _existing_conversations() -> None:
    bind = op.get_bind()
    bind.execute(sa.text(_ROOTS))
    while bind.execute(sa.text(_NEXT_LEVEL)).rowcount:
        pass
    bind.execute(sa.text(_LOOPS))
    bind.execute(sa.text(_CONVERSATIONS))
    bind.execute(sa.text(_DIRECT).bindparams(
        sa.bindparam('unread', False, type_=sa.Boolean()), sa.bindparam('now', datetime.now(UTC), type_=WHEN)))


def downgrade() -> None:
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statuses_conversation_id'))
        batch_op.drop_column('conversation_id')
    for table in ('announcement_reactions', 'announcement_dismissals', 'announcements', 'suggestion_dismissals',
                  'tag_uses', 'account_conversations', 'conversations'):
        op.drop_table(table)
