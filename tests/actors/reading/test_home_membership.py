"""Who gets a status in their home timeline (`actors.reading.home_membership`), for both rule sets."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from actors.reading.home_membership import LOCAL_POST, REMOTE_POST, HomeRules, home_timeline_owners
from storage.db import session_maker
from storage.models import Actor, Block, Status, utcnow
from tests.actors.factories import add, follows, local_actor, remote_actor, seed


async def _owners(engine: AsyncEngine, status: Status, rules: HomeRules,
                  mentioned: frozenset[int] = frozenset()) -> set[int]:
    async with session_maker(engine)() as session:
        return await home_timeline_owners(session, status, mentioned_ids=mentioned, rules=rules)


def _status(author: Actor, name: str, **fields: object) -> Status:
    return Status(uri=f"{author.uri}/s/{name}", actor_id=author.id, content="x", **fields)


async def test_followers_get_it_and_others_do_not(engine: AsyncEngine) -> None:
    author, fan, stranger, pending = (local_actor("a"), local_actor("fan"), local_actor("stranger"),
                                      local_actor("pending"))
    remote_fan = remote_actor("rf", "b.example")
    await seed(engine, author, fan, stranger, pending, remote_fan)
    await add(engine, *follows([fan, remote_fan], author), *follows([pending], author, state="pending"))
    status = _status(author, "1")
    await add(engine, status)
    for rules in (LOCAL_POST, REMOTE_POST):
        assert await _owners(engine, status, rules) == {fan.id}


async def test_a_mentioned_member_gets_a_local_post_even_without_following(engine: AsyncEngine) -> None:
    author, fan, named = local_actor("a"), local_actor("fan"), local_actor("named")
    await seed(engine, author, fan, named)
    await add(engine, *follows([fan], author))
    public, direct = _status(author, "1"), _status(author, "2", visibility="direct")
    await add(engine, public, direct)
    assert await _owners(engine, public, LOCAL_POST, frozenset({named.id})) == {fan.id, named.id}
    assert await _owners(engine, direct, LOCAL_POST, frozenset({named.id})) == {named.id}
    # a remote post reaches followers only; a direct one only the followers it names
    assert await _owners(engine, public, REMOTE_POST, frozenset({named.id})) == {fan.id}
    assert await _owners(engine, direct, REMOTE_POST, frozenset({named.id})) == set()
    assert await _owners(engine, direct, REMOTE_POST, frozenset({fan.id})) == {fan.id}


async def test_followers_who_chose_languages_get_posts_in_them_only(engine: AsyncEngine) -> None:
    author, picky = local_actor("a"), local_actor("picky")
    await seed(engine, author, picky)
    row = follows([picky], author)[0]
    row.languages = ["pt"]
    await add(engine, row)
    english, portuguese = _status(author, "en", language="en"), _status(author, "pt", language="pt-br")
    await add(engine, english, portuguese)
    boost = _status(author, "boost", reblog_of_id=english.id)
    await add(engine, boost)
    for rules in (LOCAL_POST, REMOTE_POST):
        assert await _owners(engine, english, rules) == set()
        assert await _owners(engine, portuguese, rules) == {picky.id}
        assert await _owners(engine, boost, rules) == {picky.id}  # boosts carry no language
    assert await _owners(engine, english, LOCAL_POST, frozenset({picky.id})) == {picky.id}  # naming them


async def test_blocks_keep_members_out(engine: AsyncEngine) -> None:
    author, blocks_author, blocked_by_author, named = (local_actor("a"), local_actor("b1"), local_actor("b2"),
                                                       local_actor("named"))
    await seed(engine, author, blocks_author, blocked_by_author, named)
    await add(engine, *follows([blocks_author, blocked_by_author], author),
              Block(actor_id=blocks_author.id, target_id=author.id, uri=f"{blocks_author.uri}#b/1"),
              Block(actor_id=author.id, target_id=blocked_by_author.id, uri=f"{author.uri}#b/2"),
              Block(actor_id=named.id, target_id=author.id, uri=f"{named.uri}#b/3"))
    status = _status(author, "1")
    await add(engine, status)
    assert await _owners(engine, status, LOCAL_POST, frozenset({named.id})) == set()
    assert await _owners(engine, status, REMOTE_POST) == {blocked_by_author.id}  # the author's own block


async def test_suspended_members_get_no_local_post(engine: AsyncEngine) -> None:
    author, suspended = local_actor("a"), local_actor("s")
    suspended.suspended_at = utcnow()
    await seed(engine, author, suspended)
    await add(engine, *follows([suspended], author))
    status = _status(author, "1")
    await add(engine, status)
    assert await _owners(engine, status, LOCAL_POST, frozenset({suspended.id})) == set()
    assert await _owners(engine, status, REMOTE_POST) == {suspended.id}


async def test_boosts_skip_who_hid_them_and_for_local_ones_the_boosted_author(engine: AsyncEngine) -> None:
    booster, original_author, hides, blocks_original, fan = (
        local_actor("booster"), local_actor("orig"), local_actor("hides"), local_actor("bo"),
        local_actor("fan"))
    await seed(engine, booster, original_author, hides, blocks_original, fan)
    rows = follows([original_author, hides, blocks_original, fan], booster)
    rows[1].show_reblogs = False
    await add(engine, *rows, Block(actor_id=blocks_original.id, target_id=original_author.id,
                                   uri=f"{blocks_original.uri}#b/1"))
    original = _status(original_author, "1")
    await add(engine, original)
    boost = _status(booster, "boost", reblog_of_id=original.id)
    await add(engine, boost)
    assert await _owners(engine, boost, LOCAL_POST) == {fan.id}
    assert await _owners(engine, boost, REMOTE_POST) == {original_author.id, blocks_original.id, fan.id}
