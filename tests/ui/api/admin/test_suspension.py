"""Suspending a local account (`actors.moderation.suspension`): hidden and refused at once;
unsuspended within the grace period, everything is back; once it ends, the account's `Delete`
is queued to every known inbox and its data is deleted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_aiohttp import AiohttpClient
from sqlalchemy import func, select

from actors.moderation.suspension import DELETE_DATA_KIND, run_delete_data
from actors.outgoing.fanout import FANOUT_KIND, run_fanout
from storage import queue
from storage.models import ACCEPTED, Actor, AuditLogEntry, Follow, Job, OutboxActivity, Status, User
from storage.worker import Registry, Worker, drain
from tests.ui.client_api import Api, start_api

ADMIN = "read write follow admin:read admin:write"
V1 = "/api/v1/admin/accounts"
DAY_MS = 86_400_000


async def _world(api: Api) -> dict[str, Any]:
    """A moderator, and bo with a post and a remote follower."""
    await api.member("mo", role="moderator")
    bo = await api.member("bo")
    bo_token = await api.token_for("bo", "read write")
    status = await api.json("POST", "/api/v1/statuses", bo_token, data={"status": "hello"})
    async with api.services.sessions() as session, session.begin():
        remote = Actor(username="rae", domain="remote.example", uri="https://remote.example/users/rae",
                       inbox_url="https://remote.example/users/rae/inbox",
                       shared_inbox_url="https://remote.example/inbox")
        session.add(remote)
        await session.flush()
        session.add(Follow(follower_id=remote.id, followee_id=bo.id, state=ACCEPTED,
                           uri="https://remote.example/follows/1"))
    return {"bo": bo, "bo_token": bo_token, "status": status, "token": await api.token_for("mo", ADMIN)}


async def _visible(api: Api, world: dict[str, Any]) -> tuple[int, int, int, bool]:
    """(bo's token, bo's post, bo's actor document: statuses, whether the account shows suspended)."""
    me = await api.request("GET", "/api/v1/accounts/verify_credentials", world["bo_token"])
    post = await api.request("GET", f"/api/v1/statuses/{world['status']['id']}")
    document = await api.request("GET", "/users/bo", headers={"Accept": "application/activity+json"})
    shown = await api.json("GET", f"/api/v1/accounts/{world['bo'].id}")
    return me.status, post.status, document.status, bool(shown.get("suspended"))


def _worker(api: Api, days_later: float = 0) -> Worker:
    registry = Registry()
    registry.register(DELETE_DATA_KIND, run_delete_data)
    return Worker(api.services.engine, registry, deps=api.services,
                  clock=lambda: queue.now_ms() + int(days_later * DAY_MS))


async def test_suspended_is_hidden_at_once_and_unsuspending_within_the_grace_period_restores_it(
        any_api: Api) -> None:
    api = any_api
    world = await _world(api)
    assert await _visible(api, world) == (200, 200, 200, False)
    await api.json("POST", f"{V1}/{world['bo'].id}/action", world["token"], data={"type": "suspend"})
    me, post, document, suspended = await _visible(api, world)
    assert (me, post, suspended) == (403, 404, True)
    assert document == 200  # the key only (tested below)
    await drain(_worker(api, days_later=29))  # within the 30 days: nothing is deleted
    await api.json("POST", f"{V1}/{world['bo'].id}/unsuspend", world["token"])
    assert await _visible(api, world) == (200, 200, 200, False)
    await drain(_worker(api, days_later=31))  # the old job finds the suspension lifted: nothing
    assert await _visible(api, world) == (200, 200, 200, False)
    assert await _deletes_sent(api) == 0


async def _deletes_sent(api: Api) -> int:
    async with api.services.sessions() as session:
        return len((await session.scalars(select(OutboxActivity.id).where(
            OutboxActivity.body["type"].as_string() == "Delete"))).all())


async def test_after_the_grace_period_the_delete_goes_out_and_the_data_is_gone(
        aiohttp_client: AiohttpClient, db_url: str, tmp_path: Path) -> None:
    api = await start_api(aiohttp_client, db_url, tmp_path, limits={"suspension_grace_seconds": 60})
    world = await _world(api)
    await api.json("POST", f"{V1}/{world['bo'].id}/action", world["token"], data={"type": "suspend"})
    await drain(_worker(api))
    assert await _deletes_sent(api) == 0  # not yet
    assert await drain(_worker(api, days_later=1)) >= 1
    async with api.services.sessions() as session:
        bo = await session.get(Actor, world["bo"].id)
        assert bo is not None and bo.deleted_at is not None and bo.private_key_pem  # the key signs the Delete
        assert await session.scalar(select(func.count()).select_from(Status)) == 0
        assert await session.scalar(select(User.id).where(User.actor_id == bo.id)) is None
        assert await session.scalar(select(func.count()).select_from(Follow)) == 0
        sent = await session.scalar(select(OutboxActivity).where(OutboxActivity.body["type"].as_string()
                                                                 == "Delete"))
        assert sent is not None and sent.body["object"] == bo.uri and sent.actor_id == bo.id
        deliveries = (await session.scalars(
            select(Job.payload).where(Job.kind == "federation.deliver"))).all()
    assert [d["inbox"] for d in deliveries if d["activity_id"] == sent.id] == ["https://remote.example/inbox"]
    refused = await api.request("POST", f"{V1}/{world['bo'].id}/unsuspend", world["token"])
    assert refused.status == 403
    async with api.services.sessions() as session:
        log = (await session.execute(select(AuditLogEntry.actor_label, AuditLogEntry.action)
                                     .order_by(AuditLogEntry.id))).all()
    assert [tuple(row) for row in log] == [("@mo", "account.suspend"),
                                           ("system:suspension", "account.data_deleted")]


async def test_delete_now_needs_an_admin_and_a_suspended_local_account(api: Api) -> None:
    world = await _world(api)
    await api.member("ada", role="admin")
    ada = await api.token_for("ada", ADMIN)
    path = f"{V1}/{world['bo'].id}"
    assert (await api.request("DELETE", path, ada)).status == 403  # not suspended
    await api.json("POST", f"{path}/action", world["token"], data={"type": "suspend"})
    assert (await api.request("DELETE", path, world["token"])).status == 403  # a moderator may not
    assert (await api.json("DELETE", path, ada))["username"] == "bo"
    assert await drain(_worker(api)) >= 1
    assert await api.count(Status) == 0
    assert await _deletes_sent(api) == 1


async def test_a_suspended_remote_account_is_hidden_and_gets_nothing_more(api: Api) -> None:
    world = await _world(api)
    async with api.services.sessions() as session:
        rae = await session.scalar(select(Actor).where(Actor.username == "rae"))
    assert rae is not None
    await api.json("POST", f"{V1}/{rae.id}/action", world["token"], data={"type": "suspend"})
    assert (await api.json("GET", f"/api/v1/accounts/{rae.id}"))["suspended"] is True
    async with api.services.sessions() as session:
        assert (await session.get(Actor, rae.id)).deleted_at is None  # type: ignore[union-attr]
    await drain(Worker(api.services.engine, _fanout_only(), deps=api.services))  # the post's fan-out
    async with api.services.sessions() as session:
        deliveries = (await session.scalars(
            select(Job.payload).where(Job.kind == "federation.deliver"))).all()
    assert deliveries == []  # bo's post went nowhere: its one remote follower is suspended
    await api.json("POST", f"{V1}/{rae.id}/unsuspend", world["token"])
    await api.json("POST", "/api/v1/statuses", world["bo_token"], data={"status": "again"})
    await drain(Worker(api.services.engine, _fanout_only(), deps=api.services))
    async with api.services.sessions() as session:
        deliveries = (await session.scalars(
            select(Job.payload).where(Job.kind == "federation.deliver"))).all()
    assert [d["inbox"] for d in deliveries] == ["https://remote.example/inbox"]


def _fanout_only() -> Registry:
    registry = Registry()
    registry.register(FANOUT_KIND, run_fanout)
    return registry


async def test_the_instance_actor_cannot_be_acted_on(api: Api) -> None:
    world = await _world(api)
    async with api.services.sessions() as session:
        instance = await session.scalar(select(Actor).where(Actor.uri == f"{api.config.base_url}/actor"))
    assert instance is not None
    response = await api.request("POST", f"{V1}/{instance.id}/action", world["token"],
                                 data={"type": "suspend"})
    assert response.status == 403
    async with api.services.sessions() as session:
        assert (await session.get(Actor, instance.id)).suspended_at is None  # type: ignore[union-attr]
