"""Fixtures for tests/actors: one database per module and engine, emptied before each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.services import Services
from storage.db import create_engine
from storage.models import Actor
from tests.actors.factories import local_actor, make_services, seed, shared_database, wipe
from tests.conftest import make_config


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from shared_database(request, tmp_path_factory)


@pytest.fixture
async def engine(module_db: str) -> AsyncIterator[AsyncEngine]:
    made = create_engine(module_db)
    await wipe(made)
    yield made
    await made.dispose()


@pytest.fixture
async def services(module_db: str, engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Services]:
    made = make_services(make_config(module_db, tmp_path), engine)
    yield made
    await made.client.close()


@pytest.fixture
async def author(engine: AsyncEngine) -> Actor:
    ana = local_actor("ana")
    await seed(engine, ana)
    return ana
