"""Suspending a domain (`actors.moderation.domain_purge`): follows severed both ways and counted
per member, content purged, deliveries dropped, accounts suspended, members told; in small
resumable steps that stop when the suspension is lifted."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.moderation import audit, domain_purge, domains
from federation.services import Services
from storage import queue
from storage.db import session_maker
from storage.models import AccountSeverance, Actor, Follow, Job, Notification, Status
from storage.worker import Registry, Worker, drain
from tests.actors.factories import add, follows, local_actor, remote_actor, seed

SUSPEND = domains.RuleChange(policy="suspend")


async def _world(engine: AsyncEngine) -> dict[str, Actor]:
    ana, eve = local_actor("ana"), local_actor("eve")
    bo, cy, dee = (remote_actor("bo", "spam.example"), remote_actor("cy", "sub.spam.example"),
                   remote_actor("dee", "other.example"))
    await seed(engine, ana, eve, bo, cy, dee)
    await add(engine, *follows([ana], bo), *follows([bo, cy], ana), *follows([ana], dee), *follows([eve], cy))
    posts = [Status(uri=f"{a.uri}/statuses/1", actor_id=a.id, content="hi") for a in (bo, cy, dee)]
    await add(engine, *posts)
    await add(engine, Status(uri=f"{ana.uri}/statuses/boost", actor_id=ana.id, local=True,
                             reblog_of_id=posts[0].id))
    async with session_maker(engine)() as session, session.begin():
        for inbox in ("https://spam.example/inbox", "https://sub.spam.example/inbox",
                      "https://other.example/inbox"):
            await queue.enqueue(session, "federation.deliver", {"activity_id": 1, "inbox": inbox},
                                queue="deliveries")
    return {"ana": ana, "eve": eve, "bo": bo, "cy": cy, "dee": dee}


async def _suspend(services: Services, domain: str, change: domains.RuleChange = SUSPEND) -> None:
    async with services.sessions() as session, session.begin():
        await domains.set_rule(session, audit.operator(), domain, change)


async def _run_purges(services: Services) -> int:
    registry = Registry()
    registry.register(domain_purge.PURGE_KIND, domain_purge.run_purge)
    return await drain(Worker(services.engine, registry, deps=services, queues=("default",)))


async def test_suspending_a_domain_severs_purges_drops_and_tells_members(
        engine: AsyncEngine, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    people = await _world(engine)
    monkeypatch.setattr(domain_purge, "BATCH", 1)
    monkeypatch.setattr(domain_purge, "STEPS_PER_RUN", 2)  # many runs: each continues the last
    await _suspend(services, "spam.example")
    runs = await _run_purges(services)
    assert runs > 3
    async with services.sessions() as session:
        pairs = {(f.follower_id, f.followee_id) for f in (await session.scalars(select(Follow))).all()}
        assert pairs == {(people["ana"].id, people["dee"].id)}
        assert [s.actor_id for s in (await session.scalars(select(Status))).all()] == [people["dee"].id]
        inboxes = [j.payload["inbox"] for j in (await session.scalars(
            select(Job).where(Job.kind == "federation.deliver"))).all()]
        assert inboxes == ["https://other.example/inbox"]
        suspended = {a.username for a in (await session.scalars(select(Actor))).all() if a.suspended_at}
        assert suspended == {"bo", "cy"}
        severed = {(s.account_id, s.followers_count, s.following_count)
                   for s in (await session.scalars(select(AccountSeverance))).all()}
        assert severed == {(people["ana"].id, 2, 1), (people["eve"].id, 0, 1)}
        told = (await session.scalars(select(Notification).where(
            Notification.type == "severed_relationships"))).all()
        assert sorted(n.recipient_id for n in told) == sorted([people["ana"].id, people["eve"].id])
        entry = (await audit.entries(session, action="domain_block.purged", target="spam.example"))[0]
        assert entry.details["members_affected"] == 2
        assert entry.details["done"]["delete_statuses"] == 2


async def test_lifting_the_suspension_stops_the_purge(engine: AsyncEngine, services: Services,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    people = await _world(engine)
    async with services.sessions() as session:  # the audit log outlives the wipe between tests
        purged_before = len(await audit.entries(session, action="domain_block.purged"))
    await _suspend(services, "spam.example")
    await _suspend(services, "spam.example", domains.RuleChange(policy="silence"))
    await _run_purges(services)
    async with services.sessions() as session:
        assert len((await session.scalars(select(Status))).all()) == 4  # nothing purged
        assert (await session.get(Actor, people["bo"].id)).suspended_at is None  # type: ignore[union-attr]
        assert len(await audit.entries(session, action="domain_block.purged")) == purged_before


async def test_only_a_new_suspension_starts_a_purge(engine: AsyncEngine, services: Services) -> None:
    await _world(engine)
    await _suspend(services, "spam.example")
    await _suspend(services, "spam.example", domains.RuleChange(policy="suspend", reject_media=True))
    await _suspend(services, "quiet.example", domains.RuleChange(policy="silence"))
    async with services.sessions() as session:
        purges = (await session.scalars(select(Job).where(Job.kind == domain_purge.PURGE_KIND))).all()
    assert [j.payload["domain"] for j in purges] == ["spam.example"]
