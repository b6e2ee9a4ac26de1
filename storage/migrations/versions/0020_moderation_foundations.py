"""moderation foundations: an append-only audit log; domain rules get an id and Mastodon's flags

- `audit_log`: who did what to which target, when and why. UPDATE and DELETE are refused by
  the database itself (triggers on SQLite and PostgreSQL; TRUNCATE too on PostgreSQL), so no
  code path, present or future, can edit the record.
- `domain_rules.id`: the admin API addresses a rule by id (Mastodon's domain_blocks/:id);
  existing rows get one. `reject_reports` (their Flags are dropped) and `obfuscate` (shown
  publicly with some letters hidden) as Mastodon's domain blocks have them.

Revision ID: 0020
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime, new_id

revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None

APPEND_ONLY = "the audit log is append-only"


def upgrade() -> None:
    op.create_table(
        'audit_log',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('actor_id', sa.BigInteger(), nullable=True),
        sa.Column('actor_label', sa.String(length=255), nullable=False),
        sa.Column('action', sa.String(length=64), nullable=False),
        sa.Column('target_type', sa.String(length=32), nullable=False),
        sa.Column('target', sa.String(length=2048), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    )
    op.create_index('ix_audit_log_target', 'audit_log', ['target_type', 'target'], unique=False)
    _refuse_changes()
    with op.batch_alter_table('domain_rules') as batch:
        batch.add_column(sa.Column('id', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('reject_reports', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('obfuscate', sa.Boolean(), nullable=False, server_default=sa.false()))
    bind = op.get_bind()
    for (domain,) in bind.execute(sa.text('SELECT domain FROM domain_rules')).all():
        bind.execute(sa.text('UPDATE domain_rules SET id = :id WHERE domain = :domain'),
                     {'id': new_id(), 'domain': domain})
    with op.batch_alter_table('domain_rules') as batch:
        batch.alter_column('id', existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column('reject_reports', server_default=None)
        batch.alter_column('obfuscate', server_default=None)
        batch.create_unique_constraint(op.f('uq_domain_rules_id'), ['id'])


def _refuse_changes() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"""CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$""")
        op.execute('CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log '
                   'FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()')
        op.execute('CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log '
                   'FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()')
        return
    for event in ('UPDATE', 'DELETE'):
        op.execute(f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                   f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")


def downgrade() -> None:
    with op.batch_alter_table('domain_rules') as batch:
        batch.drop_constraint(op.f('uq_domain_rules_id'), type_='unique')
        batch.drop_column('obfuscate')
        batch.drop_column('reject_reports')
        batch.drop_column('id')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TABLE audit_log')
        op.execute('DROP FUNCTION audit_log_append_only()')
        return
    op.drop_index('ix_audit_log_target', table_name='audit_log')
    op.drop_table('audit_log')
