"""Rate-limit counters shared by the web processes of a PostgreSQL node (see storage/ratelimits.py).

One row per (bucket, fixed window); `expires_at` (epoch seconds) lets any process prune rows
whose window has ended. On PostgreSQL the table is UNLOGGED (migration 0013): counters are
worth nothing after a crash and need no write-ahead log. SQLite nodes keep counters in memory.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class RateLimitCounter(Base):
    __tablename__ = "rate_limits"

    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)
