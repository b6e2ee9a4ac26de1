"""The durable job table used by storage/queue.py and storage/worker.py.

Times the kernel compares on every claim are integer Unix milliseconds: the same
arithmetic on SQLite and PostgreSQL, no timezone conversions on the hot path.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, new_id

QUEUED = "queued"  # waiting, or claimed by a worker until its lease ends
DEAD = "dead"  # gave up; kept with last_error until retried or purged


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    queue: Mapped[str] = mapped_column(String(32), default="default")
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[Any] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(8), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A queued job is claimable once run_after <= now; claiming moves run_after to the end
    # of the lease, so a job whose worker died becomes claimable again by itself.
    run_after: Mapped[int] = mapped_column()
    locked_until: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[int] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "ix_jobs_ready",
            "queue",
            "run_after",
            "id",  # the claim orders by (run_after, id): the index must serve that order
            sqlite_where=text("state = 'queued'"),
            postgresql_where=text("state = 'queued'"),
        ),
    )
