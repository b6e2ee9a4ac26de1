"""Migrations produce exactly the models' schema, and upgrades keep existing data."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from storage import migrate
from storage.db import create_engine
from storage.models import Base
from tests.conftest import new_database


def _differences(conn: Connection) -> list[object]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    with warnings.catch_warnings():
        # SQLite cannot reflect expression indexes; test_expression_index_exists covers it.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        return list(compare_metadata(context, Base.metadata))


async def test_migrations_build_exactly_the_models_schema(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        before, after = await migrate.upgrade(engine)
        assert (before, after) == (None, migrate.head_revision())
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def test_local_usernames_are_unique_regardless_of_case(db_url: str) -> None:
    engine = create_engine(db_url)
    insert = text(
        "INSERT INTO actors (id, username, domain, uri, actor_type, display_name, note, locked, bot,"
        " discoverable, fields, also_known_as, created_at, updated_at) VALUES (:id, :name, :domain,"
        " :uri, 'Person', '', '', false, false, false, '[]', '[]', '2024-01-01 00:00:00',"
        " '2024-01-01 00:00:00')")
    try:
        async with engine.begin() as conn:
            await conn.execute(insert, {"id": 1, "name": "Ana", "domain": None, "uri": "u1"})
            # The same name on other servers is fine.
            await conn.execute(insert, {"id": 2, "name": "ana", "domain": "b.example", "uri": "u2"})
            await conn.execute(insert, {"id": 3, "name": "ana", "domain": "c.example", "uri": "u3"})
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(insert, {"id": 4, "name": "ana", "domain": None, "uri": "u4"})
    finally:
        await engine.dispose()


async def test_upgrade_is_idempotent(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        head = migrate.head_revision()
        assert await migrate.upgrade(engine) == (head, head)
        assert await migrate.is_current(engine)
    finally:
        await engine.dispose()


async def test_upgrade_from_the_first_migration_keeps_data(empty_db_url: str) -> None:
    first = migrate.revisions_in_order()[0]
    engine = create_engine(empty_db_url)
    try:
        await migrate.upgrade(engine, first)
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO actors (id, username, domain, uri, actor_type, display_name, note, locked,"
                " bot, discoverable, created_at, updated_at) VALUES (1, 'ana', NULL,"
                " 'https://a.example/users/ana', 'Person', 'Ana', '', false, false, true,"
                " '2024-01-02 03:04:05', '2024-01-02 03:04:05')"))
            await conn.execute(text(
                "INSERT INTO users (id, actor_id, email, password_hash, role, disabled, locale,"
                " created_at) VALUES (2, 1, 'ana@example.org', 'scrypt$x', 'owner', false, 'pt',"
                " '2024-01-02 03:04:05')"))
            await conn.execute(text(
                "INSERT INTO instance_settings (key, value, updated_at) VALUES"
                " ('title', '\"Riverside\"', '2024-01-02 03:04:05')"))
            await conn.execute(text(
                "INSERT INTO jobs (id, queue, kind, payload, state, attempts, run_after, locked_until,"
                " created_at) VALUES (3, 'default', 'kernel.probe', '{}', 'queued', 0, 0, 0, 0)"))
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            actor = (await conn.execute(
                text("SELECT username, display_name, discoverable FROM actors"))).one()
            user = (await conn.execute(text("SELECT email, role, locale FROM users"))).one()
            title = (await conn.execute(text("SELECT value FROM instance_settings"))).scalar()
            job = (await conn.execute(text("SELECT kind, state FROM jobs"))).one()
        assert tuple(actor) == ("ana", "Ana", True)
        assert tuple(user) == ("ana@example.org", "owner", "pt")
        assert title in ("Riverside", '"Riverside"')
        assert tuple(job) == ("kernel.probe", "queued")
        async with engine.connect() as conn:
            backfilled = (await conn.execute(text("SELECT key_id, url, followers_url FROM actors"))).one()
        assert tuple(backfilled) == ("https://a.example/users/ana#main-key", "https://a.example/@ana",
                                     "https://a.example/users/ana/followers")
        assert await migrate.is_current(engine)
    finally:
        await engine.dispose()


async def test_concurrent_upgrades_on_postgresql_both_succeed(tmp_path: Path,
                                                              request: pytest.FixtureRequest) -> None:
    """Several web and worker processes may start at once against one PostgreSQL."""
    async for url in new_database("postgresql", tmp_path, request, migrated=False):
        await _upgrade_twice_at_once(url)


async def _upgrade_twice_at_once(empty_db_url: str) -> None:
    engines = [create_engine(empty_db_url) for _ in range(2)]
    try:
        results = await asyncio.gather(*(migrate.upgrade(e) for e in engines))
        assert {after for _, after in results} == {migrate.head_revision()}
    finally:
        for e in engines:
            await e.dispose()
