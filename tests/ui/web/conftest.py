"""The app with its public pages, on SQLite (`api`) or on each engine (`any_api`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient

from tests.ui.client_api import Api, start_api


@pytest.fixture
async def api(aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    yield await start_api(aiohttp_client, sqlite_url, tmp_path)


@pytest.fixture
async def any_api(aiohttp_client: AiohttpClient, db_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    yield await start_api(aiohttp_client, db_url, tmp_path)
