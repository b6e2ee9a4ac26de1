"""On PostgreSQL every web process shares the rate-limit counters (two apps on one database
here); on SQLite the one serving process counts in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient
from sqlalchemy import func, select

from storage.models import RateLimitCounter, Status
from tests.conftest import new_database
from tests.ui.client_api import Api, start_api


@pytest.fixture
async def pg_url(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    async for url in new_database("postgresql", tmp_path, request):
        yield url


async def _rows(api: Api) -> int:
    async with api.services.sessions() as db:
        return int(await db.scalar(select(func.count()).select_from(RateLimitCounter)) or 0)


async def test_a_second_web_process_sees_the_same_counter(aiohttp_client: AiohttpClient, pg_url: str,
                                                          tmp_path: Path) -> None:
    first = await start_api(aiohttp_client, pg_url, tmp_path / "one")
    second = await start_api(aiohttp_client, pg_url, tmp_path / "two")
    await first.member("ana")
    await first.setting("rate_limit_statuses", "2/3h")
    token = await first.token_for("ana")
    assert (await first.request("POST", "/api/v1/statuses", token, data={"status": "1"})).status == 200
    assert (await second.request("POST", "/api/v1/statuses", token, data={"status": "2"})).status == 200
    refused = await first.request("POST", "/api/v1/statuses", token, data={"status": "3"})
    assert refused.status == 429 and refused.headers["X-RateLimit-Remaining"] == "0"
    assert (await second.request("POST", "/api/v1/statuses", token, data={"status": "4"})).status == 429
    assert await first.count(Status) == 2


async def test_sqlite_counts_without_writing_to_the_database(aiohttp_client: AiohttpClient, sqlite_url: str,
                                                             tmp_path: Path) -> None:
    api = await start_api(aiohttp_client, sqlite_url, tmp_path)
    await api.member("ana")
    token = await api.token_for("ana")
    response = await api.request("POST", "/api/v1/statuses", token, data={"status": "1"})
    assert response.status == 200 and response.headers["X-RateLimit-Remaining"] == "299"
    assert await _rows(api) == 0
