"""rate limits: the counters every web process of a PostgreSQL node shares

One row per (bucket, fixed window), incremented with one INSERT ... ON CONFLICT DO UPDATE ...
RETURNING per request. UNLOGGED on PostgreSQL: counters need no crash safety, and skipping
the write-ahead log keeps the per-request write cheap. SQLite nodes count in memory and never
use the table (it exists so both engines have one schema).

Revision ID: 0013
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rate_limits',
        sa.Column('bucket', sa.String(length=200), nullable=False),
        sa.Column('window_start', sa.BigInteger(), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('bucket', 'window_start', name=op.f('pk_rate_limits')),
    )
    op.create_index(op.f('ix_rate_limits_expires_at'), 'rate_limits', ['expires_at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE rate_limits SET UNLOGGED')


def downgrade() -> None:
    op.drop_index(op.f('ix_rate_limits_expires_at'), table_name='rate_limits')
    op.drop_table('rate_limits')
