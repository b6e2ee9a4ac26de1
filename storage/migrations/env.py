"""Alembic environment: always given a live connection by storage/migrate.py."""

from __future__ import annotations

import warnings

from alembic import context

from storage.models import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("run migrations with `amity migrate`, not the alembic command")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables
    compare_type=True,
)
with context.begin_transaction(), warnings.catch_warnings():
    # SQLite cannot reflect expression indexes; migrations that rebuild such a table recreate
    # the index themselves (see 0002), so the warning says nothing new.
    warnings.filterwarnings("ignore", message=".*expression-based index.*")
    context.run_migrations()
