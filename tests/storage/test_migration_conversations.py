"""Migration 0018 gives every existing status a conversation: a thread's replies share their
first post's, a reply loop gets its own, boosts none; local members' direct messages become
their read conversations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import migrate
from storage.db import create_engine
from storage.models.base import UTCDateTime

NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


async def _insert(conn: AsyncConnection, table: str, **values: Any) -> None:
    names = ", ".join(values)
    statement = text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + n for n in values)})")
    dates = [bindparam(k, type_=UTCDateTime()) for k, v in values.items() if isinstance(v, datetime)]
    await conn.execute(statement.bindparams(*dates), values)


async def _status(conn: AsyncConnection, number: int, *, author: int = 1, parent: int | None = None,
                  boost_of: int | None = None, visibility: str = "public") -> None:
    await _insert(conn, "statuses", id=number, uri=f"s{number}", actor_id=author, local=author == 1,
                  object_type="Note", in_reply_to_id=parent, reblog_of_id=boost_of, visibility=visibility,
                  local_only=False, sensitive=False, summary="", content="", content_map="{}",
                  summary_map="{}", source_type="text/plain", published_at=NOW, replies_count=0,
                  reblogs_count=0, favourites_count=0)


async def _seed(conn: AsyncConnection) -> None:
    for number, domain in [(1, None), (2, "remote.example"), (3, None)]:
        await _insert(conn, "actors", id=number, username=f"u{number}", domain=domain, uri=f"u{number}",
                      actor_type="Person", display_name="", note="", locked=False, bot=False,
                      discoverable=False, fields="[]", also_known_as="[]", created_at=NOW, updated_at=NOW)
    await _status(conn, 10)
    await _status(conn, 12, parent=10, author=2)
    await _status(conn, 11, parent=12)  # an older id than its parent: remote clocks differ
    await _status(conn, 20)
    await _status(conn, 30, parent=None)
    await _status(conn, 31, parent=None)
    await conn.execute(text("UPDATE statuses SET in_reply_to_id = 31 WHERE id = 30"))
    await conn.execute(text("UPDATE statuses SET in_reply_to_id = 30 WHERE id = 31"))  # a loop
    await _status(conn, 40, boost_of=10, author=3)
    await _status(conn, 50, author=2, visibility="direct")
    await _insert(conn, "mentions", id=1, status_id=50, actor_id=3)
    await _status(conn, 51, author=3, parent=50, visibility="direct")
    await _insert(conn, "mentions", id=2, status_id=51, actor_id=2)


async def test_existing_statuses_get_their_threads_conversation(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        await migrate.upgrade(engine, "0013")
        async with engine.begin() as conn:
            await _seed(conn)
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            rows = dict(tuple(r) for r in await conn.execute(
                text("SELECT id, conversation_id FROM statuses ORDER BY id")))
            conversations = {r[0] for r in await conn.execute(text("SELECT id FROM conversations"))}
            mine = [tuple(r) for r in await conn.execute(text(
                "SELECT actor_id, conversation_id, last_status_id FROM account_conversations"))]
    finally:
        await engine.dispose()
    assert rows[10] == rows[11] == rows[12] == 10
    assert rows[20] == 20
    assert {rows[30], rows[31]} == {30, 31}
    assert rows[40] is None
    assert rows[50] == rows[51] == 50
    assert conversations == {10, 20, 30, 31, 50}
    assert mine == [(3, 50, 51)]  # the local participant only; the remote one has no list here
