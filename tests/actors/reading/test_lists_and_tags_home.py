"""Lists and followed tags in the one home-membership rule (`actors.reading.home_membership`):
an exclusive list's members leave the home timeline, a followed tag brings public posts in, for
local posts (the fan-out job) and remote ones (on receipt) alike; and a listed account leaves
the list when the follow ends (`actors.social.lists`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.posts import interactions
from actors.posts.post_content import set_status_tags
from actors.reading.home_membership import LOCAL_POST, REMOTE_POST, home_timeline_owners
from actors.social import blocks, lists
from actors.social import follows as follow_actions
from actors.social.tag_choices import follow_tag, tag_named
from federation.services import Services
from inbox.apply.statuses import add_to_home_timelines
from storage.db import session_maker
from storage.errors import Invalid
from storage.models import Actor, Block, DomainRule, ListAccount, Status, TimelineEntry
from tests.actors.factories import add, follows, local_actor, post, remote_actor, run_fanouts, seed


async def _home(engine: AsyncEngine, owner: Actor) -> set[int]:
    async with session_maker(engine)() as session:
        return set((await session.scalars(
            select(TimelineEntry.status_id).where(TimelineEntry.owner_id == owner.id))).all())


async def _list_of(engine: AsyncEngine, owner: Actor, *members: Actor, exclusive: bool) -> int:
    async with session_maker(engine)() as session, session.begin():
        row = await lists.create_list(session, owner.id, "friends", exclusive=exclusive)
        await lists.add_members(session, row, [m.id for m in members])
        return row.id


async def _follow_tag(engine: AsyncEngine, member: Actor, name: str) -> None:
    async with session_maker(engine)() as session, session.begin():
        tag = await tag_named(session, name, create=True)
        assert tag is not None
        await follow_tag(session, member.id, tag)


async def test_an_exclusive_lists_members_leave_home_for_local_posts(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    exclusive, plain = local_actor("exclusive"), local_actor("plain")
    await seed(engine, exclusive, plain)
    await add(engine, *follows([exclusive, plain], author))
    await _list_of(engine, exclusive, author, exclusive=True)
    await _list_of(engine, plain, author, exclusive=False)
    status = await post(services, author, text="hello")
    async with session_maker(engine)() as session, session.begin():
        booster = await session.get(Actor, author.id)
        assert booster is not None
        boost = await interactions.reblog(session, services, booster, status)
    await run_fanouts(services)
    assert await _home(engine, exclusive) == set()
    assert await _home(engine, plain) == {status.id, boost.id}


async def test_an_exclusive_lists_members_leave_home_for_remote_posts(engine: AsyncEngine) -> None:
    friend = remote_actor("friend", "b.example")
    exclusive, plain = local_actor("exclusive"), local_actor("plain")
    await seed(engine, friend, exclusive, plain)
    await add(engine, *follows([exclusive, plain], friend))
    await _list_of(engine, exclusive, friend, exclusive=True)
    status = Status(uri="https://b.example/s/1", actor_id=friend.id, content="x")
    await add(engine, status)
    async with session_maker(engine)() as session, session.begin():
        assert await add_to_home_timelines(session, status, mentioned_ids=set()) == 1
    assert await _home(engine, exclusive) == set()
    assert await _home(engine, plain) == {status.id}


async def test_a_followed_tag_brings_public_local_posts_home(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    fan, stranger, blocker = local_actor("fan"), local_actor("stranger"), local_actor("blocker")
    await seed(engine, fan, stranger, blocker)
    for member in (fan, blocker):
        await _follow_tag(engine, member, "Garden")
    await add(engine, Block(actor_id=blocker.id, target_id=author.id, uri="https://x/b/1"))
    tagged = await post(services, author, text="my #garden")
    await post(services, author, text="my #kitchen")
    await post(services, author, text="quiet #garden", visibility="unlisted")
    await run_fanouts(services)
    assert await _home(engine, fan) == {tagged.id}  # not the other tag's, nor the unlisted post
    assert await _home(engine, stranger) == set() and await _home(engine, blocker) == set()


async def test_a_followed_tag_brings_public_remote_posts_home_but_not_boosts(engine: AsyncEngine) -> None:
    friend, fan = remote_actor("friend", "b.example"), local_actor("fan")
    await seed(engine, friend, fan)
    await _follow_tag(engine, fan, "garden")
    public = Status(uri="https://b.example/s/1", actor_id=friend.id, content="x")
    private = Status(uri="https://b.example/s/2", actor_id=friend.id, content="x", visibility="private")
    await add(engine, public, private)
    boost = Status(uri="https://b.example/s/3", actor_id=friend.id, content="", reblog_of_id=public.id)
    await add(engine, boost)
    async with session_maker(engine)() as session, session.begin():
        for status in (public, private, boost):
            await set_status_tags(session, status.id, ["garden"])
        for status in (public, private, boost):
            await add_to_home_timelines(session, status, mentioned_ids=set())
    assert await _home(engine, fan) == {public.id}
    async with session_maker(engine)() as session:  # the same rule answers for a local post
        assert await home_timeline_owners(session, public, mentioned_ids=(), rules=LOCAL_POST) == {fan.id}
        assert await home_timeline_owners(session, public, mentioned_ids=(), rules=REMOTE_POST) == {fan.id}


async def test_a_followed_tag_brings_nothing_from_a_silenced_domain(engine: AsyncEngine) -> None:
    limited = remote_actor("loud", "sub.limited.example")
    fan, follower = local_actor("fan"), local_actor("follower")
    await seed(engine, limited, fan, follower)
    await add(engine, DomainRule(domain="limited.example", policy="silence"), *follows([follower], limited))
    await _follow_tag(engine, fan, "garden")
    status = Status(uri="https://sub.limited.example/s/1", actor_id=limited.id, content="x")
    await add(engine, status)
    async with session_maker(engine)() as session, session.begin():
        await set_status_tags(session, status.id, ["garden"])
        await add_to_home_timelines(session, status, mentioned_ids=set())
    assert await _home(engine, fan) == set()
    assert await _home(engine, follower) == {status.id}  # a follower still gets it


async def test_a_listed_account_leaves_the_list_when_the_follow_ends(engine: AsyncEngine, author: Actor
                                                                      ) -> None:
    first, second = local_actor("first"), local_actor("second")
    await seed(engine, first, second)
    await add(engine, *follows([author], first), *follows([author], second))
    list_id = await _list_of(engine, author, first, second, author, exclusive=False)
    async with session_maker(engine)() as session, session.begin():
        me, them, other = [await session.get(Actor, i) for i in (author.id, first.id, second.id)]
        assert me is not None and them is not None and other is not None
        assert await follow_actions.unfollow(session, me, them, base_url="https://amity.test")
        await blocks.block(session, me, other, base_url="https://amity.test")
    async with session_maker(engine)() as session:
        left = set((await session.scalars(select(ListAccount.account_id)
                                          .where(ListAccount.list_id == list_id))).all())
    assert left == {author.id}  # the owner stays: listing oneself needs no follow


async def test_only_followed_accounts_may_be_listed(engine: AsyncEngine, author: Actor) -> None:
    friend, stranger = local_actor("friend"), remote_actor("stranger", "b.example")
    await seed(engine, friend, stranger)
    await add(engine, *follows([author], friend))
    async with session_maker(engine)() as session, session.begin():
        row = await lists.create_list(session, author.id, "x")
    async with session_maker(engine)() as session:
        try:
            async with session.begin():
                await lists.add_members(session, await lists.owned_list(session, author.id, row.id),
                                        [friend.id, stranger.id])
        except Invalid as error:
            message = str(error)
        else:
            raise AssertionError("a stranger was listed")
    assert message == "You must follow @stranger@b.example before adding this account to a list."
    async with session_maker(engine)() as session:  # all or nothing: the friend was not added either
        assert (await session.scalars(select(ListAccount))).all() == []
