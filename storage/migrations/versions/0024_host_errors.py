"""host errors: why the last delivery to a server failed, kept on its row

Delivery jobs are deleted once done, so the host row is where a moderator or operator finds
why a server is not receiving (`amity hosts show`).

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('hosts') as batch:
        batch.add_column(sa.Column('last_error', sa.String(length=500), nullable=True))
        batch.add_column(sa.Column('last_error_at', UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('hosts') as batch:
        batch.drop_column('last_error_at')
        batch.drop_column('last_error')
