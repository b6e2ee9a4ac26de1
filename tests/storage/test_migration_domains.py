"""Migration 0009 rewrites every stored domain in its canonical spelling, merging rows that
become one (see the migration's docstring for which row stays)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import migrate
from storage.db import create_engine
from storage.models import Status
from storage.models.base import UTCDateTime

NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def day(month: int, number: int) -> datetime:
    return datetime(2024, month, number, tzinfo=UTC)


async def _insert(conn: AsyncConnection, table: str, **values: Any) -> None:
    names = ", ".join(values)
    statement = text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + n for n in values)})")
    dates = [bindparam(k, type_=UTCDateTime()) for k, v in values.items() if isinstance(v, datetime)]
    await conn.execute(statement.bindparams(*dates), values)


async def _seed(conn: AsyncConnection) -> None:
    for number, domain in enumerate(["Evil.Test.", "bücher.example", "good.test:443", "a_b.test", None], 1):
        await _insert(conn, "actors", id=number, username=f"u{number}", domain=domain, uri=f"u{number}",
                      actor_type="Person", display_name="", note="", locked=False, bot=False,
                      discoverable=False, fields="[]", also_known_as="[]", created_at=NOW, updated_at=NOW)
    for domain, policy, media, comment in [("evil.test", "silence", True, "spam"),
                                           ("EVIL.test.", "suspend", False, "abuse"),
                                           ("BÜCHER.example", "allow", False, "")]:
        await _insert(conn, "domain_rules", domain=domain, policy=policy, reject_media=media,
                      public_comment=comment, private_comment="", created_at=NOW)
    for number, domain in [(1, "evil.test"), (2, "Evil.Test.")]:
        await _insert(conn, "user_domain_blocks", id=number, actor_id=5, domain=domain,
                      created_at=day(1, number))
    for domain, success in [("evil.test", day(1, 1)), ("EVIL.test:443", day(2, 1))]:
        await _insert(conn, "hosts", domain=domain, consecutive_failures=0, unreachable=False,
                      last_success_at=success)
    await conn.execute(insert(Status).values(id=10, actor_id=1, uri="s10"))  # unchanged since 0007
    for number, domain, updated in [(20, "evil.test", day(1, 1)), (21, "EVIL.TEST", day(3, 1))]:
        await _insert(conn, "custom_emojis", id=number, shortcode="blob", domain=domain, image_url="x",
                      content_type="image/png", visible_in_picker=True, disabled=False,
                      created_at=NOW, updated_at=updated)
        await _insert(conn, "status_emojis", status_id=10, emoji_id=number)


async def _all(conn: AsyncConnection, query: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in await conn.execute(text(query))]


async def test_stored_domains_are_normalised_and_collisions_merged(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        await migrate.upgrade(engine, "0007")
        async with engine.begin() as conn:
            await _seed(conn)
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            assert await _all(conn, "SELECT domain FROM actors ORDER BY id") == [
                ("evil.test",), ("xn--bcher-kva.example",), ("good.test",), ("a_b.test",), (None,)]
            rules = await _all(conn, "SELECT domain, policy, reject_media, public_comment FROM domain_rules"
                                     " ORDER BY domain")
            assert [(d, p, bool(m), c) for d, p, m, c in rules] == [
                ("evil.test", "suspend", True, "abuse / spam"), ("xn--bcher-kva.example", "allow", False, "")]
            assert await _all(conn, "SELECT id, domain FROM user_domain_blocks") == [(1, "evil.test")]
            [(host, success)] = await _all(conn, "SELECT domain, last_success_at FROM hosts")
            assert host == "evil.test" and str(success).startswith("2024-02-01")
            assert await _all(conn, "SELECT id, domain FROM custom_emojis") == [(21, "evil.test")]
            assert await _all(conn, "SELECT status_id, emoji_id FROM status_emojis") == [(10, 21)]
    finally:
        await engine.dispose()
