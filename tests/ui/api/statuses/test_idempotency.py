"""`Idempotency-Key` kept in the database: shared by web processes (two apps on one database
here), one post for concurrent requests, a failed first attempt that does not block a retry,
expired keys and claims left by a dead process."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import ClientResponse
from pytest_aiohttp import AiohttpClient
from sqlalchemy import select, update

from storage.models import IdempotencyKey, OAuthAccessToken, Status, utcnow
from tests.ui.client_api import Api, start_api
from ui.api.statuses import idempotency

STATUSES = "/api/v1/statuses"


async def _two_processes(aiohttp_client: AiohttpClient, db_url: str, tmp_path: Path) -> tuple[Api, Api]:
    first = await start_api(aiohttp_client, db_url, tmp_path / "one")
    second = await start_api(aiohttp_client, db_url, tmp_path / "two")
    return first, second


async def _keys(api: Api) -> list[tuple[str, int | None]]:
    async with api.services.sessions() as db:
        rows = (await db.execute(select(IdempotencyKey.key, IdempotencyKey.status_id)
                                 .order_by(IdempotencyKey.key))).all()
    return [(key, status_id) for key, status_id in rows]


async def _post(api: Api, token: str, key: str, **data: str) -> ClientResponse:
    return await api.request("POST", STATUSES, token, data={"status": "once", **data},
                       headers={"Idempotency-Key": key})


async def test_a_retry_reaching_another_process_gets_the_first_status(
        aiohttp_client: AiohttpClient, db_url: str, tmp_path: Path) -> None:
    one, two = await _two_processes(aiohttp_client, db_url, tmp_path)
    await one.member("alice")
    token = await one.token_for("alice")
    headers = {"Idempotency-Key": "k-1"}
    first = await one.json("POST", STATUSES, token, data={"status": "once"}, headers=headers)
    again = await two.json("POST", STATUSES, token, data={"status": "once"}, headers=headers)
    assert again["id"] == first["id"] and await one.count(Status) == 1
    assert await _keys(one) == [("k-1", int(first["id"]))]
    other_token = await two.token_for("alice")  # the key belongs to the token that used it
    other = await two.json("POST", STATUSES, other_token, data={"status": "once"}, headers=headers)
    assert other["id"] != first["id"] and await one.count(Status) == 2


async def test_concurrent_requests_on_two_processes_make_one_status(
        aiohttp_client: AiohttpClient, db_url: str, tmp_path: Path) -> None:
    one, two = await _two_processes(aiohttp_client, db_url, tmp_path)
    await one.member("alice")
    token = await one.token_for("alice")
    headers = {"Idempotency-Key": "burst"}
    answers = await asyncio.gather(*[
        api.json("POST", STATUSES, token, data={"status": "once"}, headers=headers)
        for api in (one, two, one, two, one, two)])
    assert len({a["id"] for a in answers}) == 1
    assert await one.count(Status) == 1 and await one.count(IdempotencyKey) == 1


async def test_a_failed_first_attempt_lets_a_retry_post(any_api: Api) -> None:
    api = any_api
    await api.member("alice")
    token = await api.token_for("alice")
    bad = await _post(api, token, "k-2", visibility="everyone")
    assert bad.status == 422
    assert await api.count(Status) == 0 and await _keys(api) == []
    both_bad = await asyncio.gather(*[_post(api, token, "k-2", visibility="nope") for _ in range(2)])
    assert [r.status for r in both_bad] == [422, 422] and await _keys(api) == []
    good = await (await _post(api, token, "k-2")).json()
    again = await (await _post(api, token, "k-2")).json()
    assert again["id"] == good["id"] and await api.count(Status) == 1
    assert await _keys(api) == [("k-2", int(good["id"]))]


async def test_keys_expire_after_an_hour_and_are_cleaned_up(any_api: Api) -> None:
    api = any_api
    await api.member("alice")
    token = await api.token_for("alice")
    headers = {"Idempotency-Key": "old"}
    first = await api.json("POST", STATUSES, token, data={"status": "once"}, headers=headers)
    await api.json("POST", STATUSES, token, data={"status": "other"}, headers={"Idempotency-Key": "older"})
    async with api.services.sessions() as db, db.begin():
        await db.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=2)))
    second = await api.json("POST", STATUSES, token, data={"status": "once"}, headers=headers)
    assert second["id"] != first["id"] and await api.count(Status) == 3
    assert await _keys(api) == [("old", int(second["id"]))]  # "older" was cleaned up


async def test_a_claim_left_by_a_dead_process_is_taken_over(any_api: Api) -> None:
    api = any_api
    await api.member("alice")
    token = await api.token_for("alice")
    async with api.services.sessions() as db, db.begin():
        token_id = await db.scalar(select(OAuthAccessToken.id))
        db.add(IdempotencyKey(token_id=token_id, key="dead", status_id=None,
                              created_at=utcnow() - idempotency.STALE - timedelta(seconds=5)))
    posted = await (await _post(api, token, "dead")).json()
    assert await _keys(api) == [("dead", int(posted["id"]))]


async def test_a_claim_still_being_posted_answers_409_after_the_wait(
        any_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api = any_api
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.3)
    await api.member("alice")
    token = await api.token_for("alice")
    async with api.services.sessions() as db, db.begin():
        token_id = await db.scalar(select(OAuthAccessToken.id))
        db.add(IdempotencyKey(token_id=token_id, key="busy", status_id=None))
    response = await _post(api, token, "busy")
    assert response.status == 409 and "Idempotency-Key" in (await response.json())["error"]
    assert await api.count(Status) == 0 and await _keys(api) == [("busy", None)]
