"""The kernel's hot path on SQLite, on the driver connection itself.

For the one transaction every batch runs (delete what finished, claim the next jobs),
SQLAlchemy's async layer costs more than SQLite takes to do the work: measured here, about
7 ms against 3 ms per 100 jobs. So on SQLite the worker sends these two statements to
aiosqlite directly, in the same single transaction; everything else, and every other
engine, goes through SQLAlchemy (storage/queue.py builds the same claim there).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

_CLAIM = (
    "UPDATE jobs SET attempts = attempts + 1, run_after = ?, locked_until = ? WHERE id IN ("
    "SELECT id FROM jobs WHERE state = 'queued' AND queue IN ({queues}) AND run_after <= ? "
    "ORDER BY run_after, id LIMIT ?) RETURNING id, kind, payload, attempts, created_at"
)
_DELETE = "DELETE FROM jobs WHERE locked_until = ? AND id IN ({ids})"
_CHUNK = 500

Row = tuple[int, str, Any, int, int]


async def finish_and_claim(engine: AsyncEngine, done: Mapping[int, Sequence[int]], queues: Sequence[str], *,
                           limit: int, now: int, lease_end: int) -> list[Row]:
    """Delete finished jobs (`{lease_end of their claim: ids}`) and claim up to `limit` more,
    in one transaction; a job claimed again since keeps its row (its lease end differs)."""
    async with engine.connect() as conn:
        db: Any = (await conn.get_raw_connection()).driver_connection  # an aiosqlite.Connection
        try:
            for claimed_until, ids in done.items():
                for start in range(0, len(ids), _CHUNK):
                    chunk = ids[start:start + _CHUNK]
                    await db.execute(_DELETE.format(ids=",".join("?" * len(chunk))), (claimed_until, *chunk))
            cursor = await db.execute(_CLAIM.format(queues=",".join("?" * len(queues))),
                                      (lease_end, lease_end, *queues, now, limit))
            rows = await cursor.fetchall()
            await cursor.close()
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
    return [(r[0], r[1], json.loads(r[2]), r[3], r[4]) for r in rows]
