"""boost lookup: statuses (reblog_of_id, actor_id) replaces the index on reblog_of_id alone

"Has this member boosted that status?" is asked for every status on every timeline page. With
an index on `reblog_of_id` alone it read every boost of the status (thousands for a popular
post); the pair answers it with one probe and still serves every lookup by `reblog_of_id`.
Both are plain CREATE/DROP INDEX: the table is not rebuilt on SQLite.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_statuses_reblog_of_id_actor_id', 'statuses', ['reblog_of_id', 'actor_id'], unique=False)
    op.drop_index('ix_statuses_reblog_of_id', table_name='statuses')


def downgrade() -> None:
    op.create_index('ix_statuses_reblog_of_id', 'statuses', ['reblog_of_id'], unique=False)
    op.drop_index('ix_statuses_reblog_of_id_actor_id', table_name='statuses')
