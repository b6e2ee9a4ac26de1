"""The fan-out job: recipients computed once, filtered, one delivery per distinct inbox."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.outgoing import fanout
from actors.outgoing.fanout import FANOUT_KIND, fan_out
from actors.posts import posting
from actors.reading.visibility import Viewer, can_see
from federation.services import Services
from storage import settings
from storage.db import session_maker
from storage.models import PENDING, Actor, Block, DomainRule, Notification, Status, TimelineEntry
from tests.actors.factories import (
    add,
    delivered,
    follows,
    jobs,
    local_actor,
    post,
    remote_actor,
    run_fanouts,
    seed,
)


async def timeline_owners(engine: AsyncEngine, status: Status) -> set[int]:
    async with session_maker(engine)() as session:
        return set((await session.scalars(
            select(TimelineEntry.owner_id).where(TimelineEntry.status_id == status.id))).all())


async def test_three_remote_followers_on_two_hosts_and_one_local_make_two_deliveries_and_one_entry(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    remote = [remote_actor(name, host) for name, host in (("r1", "a.example"), ("r2", "a.example"),
                                                          ("r3", "b.example"))]
    bea = local_actor("bea", keyed=False)
    await seed(engine, *remote, bea)
    await add(engine, *follows([*remote, bea], author))
    status = await post(services, author)
    assert await run_fanouts(services) == 1
    queued = await delivered(engine)
    assert sorted(queued) == ["https://a.example/inbox", "https://b.example/inbox"]
    [body] = queued["https://a.example/inbox"]
    assert body["type"] == "Create" and body["object"]["id"] == status.uri
    assert await timeline_owners(engine, status) == {author.id, bea.id}


async def test_a_follower_without_a_shared_inbox_gets_its_personal_inbox(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    solo = remote_actor("solo", "c.example", shared=False)
    await seed(engine, solo)
    await add(engine, *follows([solo], author))
    await post(services, author)
    await run_fanouts(services)
    assert list(await delivered(engine)) == ["https://c.example/users/solo/inbox"]


async def test_a_private_status_reaches_accepted_followers_and_mentioned_only(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    follower = remote_actor("fan", "a.example")
    pending = remote_actor("asking", "b.example")
    stranger = remote_actor("stranger", "c.example")
    mentioned = remote_actor("named", "d.example", shared=False)
    await seed(engine, follower, pending, stranger, mentioned)
    await add(engine, *follows([follower], author), *follows([pending], author, state=PENDING))
    await post(services, author, visibility="private", mentions=[mentioned])
    await run_fanouts(services)
    assert sorted(await delivered(engine)) == ["https://a.example/inbox", "https://d.example/users/named/inbox"]


async def test_a_direct_status_reaches_only_the_mentioned(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    follower = remote_actor("fan", "a.example")
    local_follower = local_actor("bea", keyed=False)
    remote_named = remote_actor("named", "b.example")
    local_named = local_actor("cy", keyed=False)
    await seed(engine, follower, local_follower, remote_named, local_named)
    await add(engine, *follows([follower, local_follower], author))
    status = await post(services, author, visibility="direct", mentions=[remote_named, local_named])
    await run_fanouts(services)
    assert list(await delivered(engine)) == ["https://b.example/inbox"]
    assert await timeline_owners(engine, status) == {author.id, local_named.id}
    async with session_maker(engine)() as session:
        notes = (await session.execute(select(Notification.recipient_id, Notification.type))).all()
    assert notes == [(local_named.id, "mention")]


async def test_a_local_only_status_never_leaves_the_node(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    remote = remote_actor("fan", "a.example")
    bea = local_actor("bea", keyed=False)
    await seed(engine, remote, bea)
    await add(engine, *follows([remote, bea], author))
    status = await post(services, author, local_only=True, mentions=[remote])
    await run_fanouts(services)
    assert await delivered(engine) == {}
    assert await timeline_owners(engine, status) == {author.id, bea.id}


async def test_followers_on_a_suspended_domain_or_its_subdomains_are_skipped(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    ok = remote_actor("ok", "good.example")
    bad = remote_actor("bad", "evil.example")
    sub = remote_actor("sub", "social.evil.example")
    await seed(engine, ok, bad, sub)
    await add(engine, *follows([ok, bad, sub], author), DomainRule(domain="evil.example", policy="suspend"))
    await post(services, author, mentions=[bad])
    await run_fanouts(services)
    assert list(await delivered(engine)) == ["https://good.example/inbox"]


async def test_allowlist_mode_delivers_to_partners_only(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    partner = remote_actor("p", "partner.example")
    other = remote_actor("o", "other.example")
    silenced = remote_actor("s", "quiet.example")
    await seed(engine, partner, other, silenced)
    await add(engine, *follows([partner, other, silenced], author),
              DomainRule(domain="partner.example", policy="allow"),
              DomainRule(domain="quiet.example", policy="silence"))
    async with session_maker(engine)() as session, session.begin():
        await settings.set_value(session, "federation_mode", "allowlist")
    await post(services, author)
    await run_fanouts(services)
    assert list(await delivered(engine)) == ["https://partner.example/inbox"]


async def test_blocks_in_either_direction_stop_deliveries_and_timeline_entries(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    fan = remote_actor("fan", "a.example")
    blocked_remote = remote_actor("troll", "b.example")
    blocked_local = local_actor("bea", keyed=False)
    blocking_local = local_actor("cy", keyed=False)
    await seed(engine, fan, blocked_remote, blocked_local, blocking_local)
    await add(engine, *follows([fan, blocked_remote, blocked_local, blocking_local], author),
              Block(actor_id=author.id, target_id=blocked_remote.id, uri=f"{author.uri}#blocks/1"),
              Block(actor_id=author.id, target_id=blocked_local.id, uri=f"{author.uri}#blocks/2"),
              Block(actor_id=blocking_local.id, target_id=author.id, uri=f"{blocking_local.uri}#blocks/3"))
    status = await post(services, author, mentions=[blocked_remote])
    await run_fanouts(services)
    assert list(await delivered(engine)) == ["https://a.example/inbox"]
    assert await timeline_owners(engine, status) == {author.id}


async def test_local_timeline_entries_agree_with_the_visibility_rule(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    readers = [local_actor(f"reader{i}", keyed=False) for i in range(3)]
    await seed(engine, *readers)
    await add(engine, *follows(readers, author))
    status = await post(services, author, visibility="private")
    await run_fanouts(services)
    owners = await timeline_owners(engine, status)
    async with session_maker(engine)() as session:
        assert all([await can_see(session, Viewer(owner, member=True), status) for owner in owners])
        assert owners == {author.id, *(r.id for r in readers)}


async def test_a_fan_out_run_again_after_a_crash_queues_nothing_twice(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    fan = remote_actor("fan", "a.example")
    bea = local_actor("bea", keyed=False)
    await seed(engine, fan, bea)
    await add(engine, *follows([fan, bea], author))
    await post(services, author)
    async with services.sessions() as session:
        [job] = await jobs(session, FANOUT_KIND)
    await run_fanouts(services)
    async with services.sessions() as session, session.begin():  # the same job, once more
        again = await fan_out(session, job.payload, local_domain=services.domain)
    assert again.deliveries == 0
    assert len(await delivered(engine)) == 1
    async with session_maker(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(TimelineEntry)) == 2


async def test_the_fan_out_of_a_status_deleted_before_it_ran_sends_nothing(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    fan = remote_actor("fan", "a.example")
    await seed(engine, fan)
    await add(engine, *follows([fan], author))
    status = await post(services, author)
    async with services.sessions() as session, session.begin():
        await posting.delete_status(session, services, author, status)
    await run_fanouts(services)
    [[activity]] = (await delivered(engine)).values()
    assert activity["type"] == "Delete"


async def test_fanout_jobs_take_turns_on_sqlite_and_run_together_on_postgresql(
        services: Services, engine: AsyncEngine, author: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite has one writer: its busy handler is not fair, so a fan-out waiting there could
    fail with "database is locked". The process's jobs take turns instead (`write_turn`)."""
    inside, most = 0, 0
    real = fanout.fan_out

    async def watched(session: Any, payload: dict[str, Any], *, local_domain: str) -> Any:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        try:
            await asyncio.sleep(0.02)  # room for another job to start, if it may
            return await real(session, payload, local_domain=local_domain)
        finally:
            inside -= 1

    monkeypatch.setattr(fanout, "fan_out", watched)
    for n in range(4):
        await post(services, author, text=f"post {n}")
    assert await run_fanouts(services) == 4
    assert most == 1 if engine.dialect.name == "sqlite" else most > 1
