"""reports as moderators handle them: category, rules, forwarding, assignment, resolution, notes

- `reports`: `category` (spam, legal, violation, other), `rule_ids` (the node's rules the
  report cites), `forwarded` (a Flag went to the reported account's server), `assigned_id`
  (the moderator handling it), `updated_at`, `resolved_by_id` (who resolved it; `resolved_at`
  exists), and an index on `reporter_id` (a member's own reports).
- `report_notes`: moderators' notes on a report (Mastodon's `report_notes`).

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('reports') as batch:
        batch.add_column(sa.Column('category', sa.String(length=16), nullable=False,
                                   server_default='other'))
        batch.add_column(sa.Column('rule_ids', sa.JSON(), nullable=False, server_default='[]'))
        batch.add_column(sa.Column('forwarded', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('assigned_id', ID, nullable=True))
        batch.add_column(sa.Column('updated_at', UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('resolved_by_id', ID, nullable=True))
        batch.create_foreign_key(op.f('fk_reports_assigned_id_actors'), 'actors', ['assigned_id'], ['id'],
                                 ondelete='SET NULL')
        batch.create_foreign_key(op.f('fk_reports_resolved_by_id_actors'), 'actors', ['resolved_by_id'],
                                 ['id'], ondelete='SET NULL')
        batch.create_index(op.f('ix_reports_reporter_id'), ['reporter_id'], unique=False)
    op.execute('UPDATE reports SET updated_at = created_at')
    with op.batch_alter_table('reports') as batch:
        batch.alter_column('updated_at', existing_type=UTCDateTime(timezone=True), nullable=False)
        batch.alter_column('category', server_default=None)
        batch.alter_column('rule_ids', server_default=None)
        batch.alter_column('forwarded', server_default=None)
    op.create_table(
        'report_notes',
        sa.Column('id', ID, nullable=False),
        sa.Column('report_id', ID, nullable=False),
        sa.Column('author_id', ID, nullable=True),
        sa.Column('author_label', sa.String(length=255), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_notes_report_id_reports'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['actors.id'], name=op.f('fk_report_notes_author_id_actors'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_notes')),
    )
    op.create_index(op.f('ix_report_notes_report_id'), 'report_notes', ['report_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_report_notes_report_id'), table_name='report_notes')
    op.drop_table('report_notes')
    with op.batch_alter_table('reports') as batch:
        batch.drop_index(op.f('ix_reports_reporter_id'))
        batch.drop_constraint(op.f('fk_reports_resolved_by_id_actors'), type_='foreignkey')
        batch.drop_constraint(op.f('fk_reports_assigned_id_actors'), type_='foreignkey')
        for column in ('resolved_by_id', 'updated_at', 'assigned_id', 'forwarded', 'rule_ids', 'category'):
            batch.drop_column(column)
