"""Following in some languages only: a followed account's posts reach the follower's home
timeline only in those languages (local posts through the fan-out, remote ones on receipt);
posts without a language, boosts and posts naming the follower always do."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.posts import interactions
from actors.reading.home_membership import wants
from actors.social.follow_languages import follow_languages
from federation.services import Services
from inbox.apply.statuses import add_to_home_timelines
from storage.db import session_maker
from storage.errors import Invalid
from storage.models import Actor, Status, TimelineEntry
from tests.actors.factories import add, follows, local_actor, post, remote_actor, run_fanouts, seed


async def _home(engine: AsyncEngine, owner: Actor) -> set[int]:
    async with session_maker(engine)() as session:
        return set((await session.scalars(
            select(TimelineEntry.status_id).where(TimelineEntry.owner_id == owner.id))).all())


def test_codes_are_checked_and_none_means_every_language() -> None:
    assert follow_languages(["EN", "pt", "en", " "]) == ["en", "pt"]
    assert follow_languages([]) is None and follow_languages([""]) is None
    for bad in ("english", "e1", "pt-br", "<b>"):
        with pytest.raises(Invalid):
            follow_languages([bad])
    assert wants(["pt"], {"pt-br"}) and not wants(["pt"], {"en"})
    assert wants(["pt"], set()) and wants(None, {"en"})


async def test_local_posts_reach_a_follower_only_in_the_languages_they_chose(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    picky, everything = local_actor("picky"), local_actor("all")
    await seed(engine, picky, everything)
    rows = follows([picky, everything], author)
    rows[0].languages = ["pt", "de"]
    await add(engine, *rows)
    english = await post(services, author, text="hello", language="en")
    portuguese = await post(services, author, text="olá", language="pt")
    brazilian = await post(services, author, text="oi", language="pt-br")
    both = await post(services, author, text="hi", language="en", content_map={"de": "hallo"})
    unknown = await post(services, author, text="?", language="en")
    mention = await post(services, author, text="@picky look", language="en")
    async with session_maker(engine)() as session, session.begin():
        await session.execute(update(Status).where(Status.id == unknown.id).values(language=None))
    await run_fanouts(services)
    assert await _home(engine, picky) == {portuguese.id, brazilian.id, both.id, unknown.id, mention.id}
    assert {english.id, portuguese.id, unknown.id} <= await _home(engine, everything)
    async with session_maker(engine)() as session, session.begin():
        booster = await session.get(Actor, author.id)
        original = await session.get(Status, english.id)
        assert booster is not None and original is not None
        boost = await interactions.reblog(session, services, booster, original)
    await run_fanouts(services)
    assert boost.id in await _home(engine, picky)  # boosts carry no language, as Mastodon's


async def test_remote_posts_reach_a_follower_only_in_the_languages_they_chose(
        engine: AsyncEngine, author: Actor) -> None:
    friend = remote_actor("friend", "b.example")
    everything = local_actor("all")
    await seed(engine, friend, everything)
    rows = follows([author, everything], friend)
    rows[0].languages = ["pt"]
    await add(engine, *rows)
    statuses = {lang: Status(uri=f"https://b.example/s/{lang}", actor_id=friend.id, language=lang or None,
                             content="x") for lang in ("en", "pt", "")}
    await add(engine, *statuses.values())
    async with session_maker(engine)() as session, session.begin():
        for status in statuses.values():
            await add_to_home_timelines(session, status, mentioned_ids=set())
    assert await _home(engine, author) == {statuses["pt"].id, statuses[""].id}
    assert await _home(engine, everything) == {s.id for s in statuses.values()}
