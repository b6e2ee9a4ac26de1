"""Shared fixtures: databases on both engines, a node config, a test app."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncGenerator, AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.accounts import instance, local_users, passwords
from federation.httpsig.keys import generate_rsa_keypair
from storage import migrate
from storage.config import NodeConfig, build_config
from storage.db import create_engine

PG_ENV = "AMITY_TEST_POSTGRES"  # admin URL of a server the tests may create databases on
REQUIRE_PG_ENV = "AMITY_TEST_REQUIRE_POSTGRES"  # "1" in CI: a missing server fails, never skips


def pytest_report_header() -> str:
    if os.environ.get(PG_ENV):
        return f"PostgreSQL tests: on ({os.environ[PG_ENV].rsplit('@', 1)[-1]})"
    return "PostgreSQL tests: SKIPPED (set AMITY_TEST_POSTGRES; `make test` starts a server if installed)"


TEST_SCRYPT_N = 2**4  # production hashes with 2**14: tens of ms per hash and per sign-in, thousands of times


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    """Tests hash and check passwords with a tiny scrypt work factor (the hash records its own
    parameters, so checking works as in production). Subprocess nodes keep the real one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_N", TEST_SCRYPT_N)
        yield


class KeyPairPool:
    """RSA key pairs for the accounts and instance actors tests create: making one costs ~0.1 s of
    CPU. The n-th key a test asks for is the session's n-th key, so keys differ within a test."""

    def __init__(self) -> None:
        self.made: list[tuple[str, str]] = []
        self.taken = 0

    def __call__(self) -> tuple[str, str]:
        if self.taken == len(self.made):
            self.made.append(generate_rsa_keypair())
        self.taken += 1
        return self.made[self.taken - 1]


_KEY_PAIRS = KeyPairPool()


@pytest.fixture(autouse=True)
def pooled_actor_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    _KEY_PAIRS.taken = 0
    monkeypatch.setattr(local_users, "generate_rsa_keypair", _KEY_PAIRS)
    monkeypatch.setattr(instance, "generate_rsa_keypair", _KEY_PAIRS)


def _pg_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if url:
        return url
    if os.environ.get(REQUIRE_PG_ENV) == "1":
        pytest.fail(f"PostgreSQL is required here ({REQUIRE_PG_ENV}=1) but {PG_ENV} is not set")
    pytest.skip(f"PostgreSQL not available: set {PG_ENV} to run this test on PostgreSQL")


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def _sa_url(admin_url: str, dbname: str) -> str:
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{dbname}"


async def _pg_exec(admin_url: str, sql: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(admin_url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def run_sync(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine to the end from sync code, even while an event loop runs (fixtures)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    run_sync(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    admin = _pg_admin_url()
    name = f"amity_template_{os.getpid()}"
    run_sync(_pg_exec(admin, f"DROP DATABASE IF EXISTS {name}"))
    run_sync(_pg_exec(admin, f"CREATE DATABASE {name}"))
    run_sync(_migrate(_sa_url(admin, name)))
    yield name
    run_sync(_pg_exec(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


async def new_database(kind: str, tmp_path: Path, request: pytest.FixtureRequest, *,
                       migrated: bool = True) -> AsyncGenerator[str, None]:
    """A fresh database URL on `kind`, migrated to head unless asked otherwise."""
    if kind == "sqlite":
        path = tmp_path / f"amity-{secrets.token_hex(4)}.db"
        if migrated:
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    admin = _pg_admin_url()
    name = f"amity_t_{secrets.token_hex(6)}"
    template = f" TEMPLATE {request.getfixturevalue('pg_template')}" if migrated else ""
    await _pg_exec(admin, f"CREATE DATABASE {name}{template}")
    try:
        yield _sa_url(admin, name)
    finally:
        await _pg_exec(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def db_url(engine_kind: str, tmp_path: Path, request: pytest.FixtureRequest
                 ) -> AsyncIterator[str]:
    """A migrated database on each engine (tests using it run twice)."""
    async for url in new_database(engine_kind, tmp_path, request):
        yield url


@pytest.fixture
async def empty_db_url(engine_kind: str, tmp_path: Path, request: pytest.FixtureRequest
                       ) -> AsyncIterator[str]:
    async for url in new_database(engine_kind, tmp_path, request, migrated=False):
        yield url


@pytest.fixture
async def sqlite_url(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A migrated SQLite database, for tests that need not run on both engines."""
    async for url in new_database("sqlite", tmp_path, request):
        yield url


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(db_url)
    yield eng
    await eng.dispose()


def make_config(database_url: str, tmp_path: Path, **overrides: object) -> NodeConfig:
    raw: dict[str, object] = {
        "domain": "amity.test", "scheme": "http", "database_url": database_url,
        "secret_key": "s" * 40, "media_dir": str(tmp_path / "media"),
        "log_format": "text",
    }
    raw.update(overrides)
    return build_config(raw, base_dir=tmp_path)


@pytest.fixture
def config(sqlite_url: str, tmp_path: Path) -> NodeConfig:
    return make_config(sqlite_url, tmp_path)
