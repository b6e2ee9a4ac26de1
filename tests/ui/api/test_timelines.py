"""Home, public and tag timelines, account statuses, bookmarks and favourites: pagination,
filters, what a muted, blocked or hidden account or domain leaves out, visibility."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from storage.models import (
    Actor,
    Block,
    Bookmark,
    DomainRule,
    Favourite,
    MediaAttachment,
    Mention,
    Mute,
    Pin,
    Status,
    TimelineEntry,
    UserDomainBlock,
    utcnow,
)
from storage.models.base import new_id
from tests.ui.api.schemas import STATUS, VIEWER_STATUS, assert_entity
from tests.ui.api.statuses.test_entity import counting_queries
from tests.ui.api.timeline_helpers import add, follow, forget_rendered, remote, status
from tests.ui.client_api import Api

HOME = "/api/v1/timelines/home"
PUBLIC = "/api/v1/timelines/public"


def _links(header: str) -> dict[str, dict[str, str]]:
    found = {}
    for part in header.split(", <"):
        url, rel = part.strip("<").split(">; rel=")
        found[rel.strip('"')] = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    return found


async def _in_home(api: Api, owner: Actor, *statuses: Status) -> None:
    await add(api, *(TimelineEntry(owner_id=owner.id, status_id=s.id) for s in statuses))


def _texts(body: list[dict[str, Any]]) -> list[str]:
    return [(s["reblog"] or s)["content"].removeprefix("<p>").removesuffix("</p>") for s in body]


async def test_home_pages_exactly_as_mastodon(any_api: Api) -> None:
    ana, bea = await any_api.member("ana"), await any_api.member("bea")
    posts = [await status(any_api, bea, f"p{i}") for i in range(5)]
    await _in_home(any_api, ana, *posts)
    mine = await status(any_api, ana, "mine")  # own posts are in home without a row
    token = await any_api.token_for("ana")
    response = await any_api.request("GET", f"{HOME}?limit=2", token)
    body = await response.json()
    assert _texts(body) == ["mine", "p4"]
    assert_entity(body[0], VIEWER_STATUS)
    links = _links(response.headers["Link"])
    assert links["next"] == {"limit": "2", "max_id": str(posts[4].id)}
    assert links["prev"] == {"limit": "2", "min_id": str(mine.id)}
    assert _texts(await any_api.json("GET", f"{HOME}?limit=2&max_id={posts[4].id}", token)) == ["p3", "p2"]
    # min_id: the page just after it, newest first; since_id: the newest page after it
    assert _texts(await any_api.json("GET", f"{HOME}?limit=2&min_id={posts[0].id}", token)) == ["p2", "p1"]
    since = await any_api.json("GET", f"{HOME}?limit=2&since_id={posts[0].id}", token)
    assert _texts(since) == ["mine", "p4"]
    between = await any_api.json("GET", f"{HOME}?max_id={posts[3].id}&since_id={posts[0].id}", token)
    assert _texts(between) == ["p2", "p1"]
    last = await any_api.request("GET", f"{HOME}?min_id={mine.id}", token)
    assert await last.json() == [] and "Link" not in last.headers
    assert len(await any_api.json("GET", f"{HOME}?limit=0", token)) == 1  # clamped to 1
    assert len(await any_api.json("GET", HOME, token)) == 6
    assert (await any_api.request("GET", f"{HOME}?limit=x", token)).status == 422
    assert (await any_api.request("GET", f"{HOME}?since_id=-1", token)).status == 422
    assert (await any_api.request("GET", HOME)).status == 401
    scoped = await any_api.token_for("ana", scope="read:accounts")
    assert (await any_api.request("GET", HOME, scoped)).status == 403


async def test_home_limit_is_at_most_40(api: Api) -> None:
    ana = await api.member("ana")
    for i in range(42):
        await status(api, ana, f"p{i}")
    token = await api.token_for("ana")
    assert len(await api.json("GET", f"{HOME}?limit=100", token)) == 40
    assert len(await api.json("GET", HOME, token)) == 20


async def test_muted_blocked_and_hidden_accounts_are_absent_everywhere(any_api: Api) -> None:
    ana, bea = await any_api.member("ana"), await any_api.member("bea")
    muted, blocked = await remote(any_api, "muted"), await remote(any_api, "blocked")
    blocker, ok = await remote(any_api, "blocker"), await remote(any_api, "ok")
    hidden = await remote(any_api, "hidden", "hidden.example")
    gone = await remote(any_api, "gone", "a.bad.example")  # a subdomain of a suspended domain
    authors = (muted, blocked, blocker, hidden, gone, ok)
    posts = {a.username: await status(any_api, a, a.username) for a in authors}
    boost_id = new_id()
    boost = Status(id=boost_id, uri=f"{bea.uri}/boost/{boost_id}", actor_id=bea.id, local=True,
                   reblog_of_id=posts["muted"].id, visibility="public")
    await add(any_api, boost)
    await _in_home(any_api, ana, *posts.values(), boost)
    await add(any_api, Mute(actor_id=ana.id, target_id=muted.id),
              Block(actor_id=ana.id, target_id=blocked.id, uri="https://amity.test/b/1"),
              Block(actor_id=blocker.id, target_id=ana.id, uri="https://remote.example/b/2"),
              UserDomainBlock(actor_id=ana.id, domain="hidden.example"),
              DomainRule(domain="bad.example", policy="suspend"))
    token = await any_api.token_for("ana")
    assert _texts(await any_api.json("GET", HOME, token)) == ["ok"]  # the boost of a muted account too
    assert _texts(await any_api.json("GET", PUBLIC, token)) == ["ok"]
    # an expired mute no longer hides
    async with any_api.services.sessions() as session, session.begin():
        mute = await session.get(Mute, (await _mute_id(any_api, ana)))
        assert mute is not None
        mute.expires_at = utcnow()
    assert _texts(await any_api.json("GET", HOME, token)) == ["muted", "ok", "muted"]
    # anonymous: only the domain rule applies
    assert set(_texts(await any_api.json("GET", PUBLIC))) == {"muted", "blocked", "blocker", "hidden", "ok"}


async def _mute_id(api: Api, actor: Actor) -> int:
    async with api.services.sessions() as session:
        found = await session.scalar(select(Mute.id).where(Mute.actor_id == actor.id))
    assert found is not None
    return found


async def test_public_timeline_filters(any_api: Api) -> None:
    ana = await any_api.member("ana")
    far = await remote(any_api, "far")
    quiet = await remote(any_api, "quiet", "quiet.example")
    await add(any_api, DomainRule(domain="quiet.example", policy="silence"))
    root = await status(any_api, ana, "root")
    await status(any_api, ana, "self-reply", in_reply_to_id=root.id)
    await status(any_api, far, "reply to ana", in_reply_to_id=root.id)
    await status(any_api, ana, "unlisted", visibility="unlisted")
    await status(any_api, ana, "private", visibility="private")
    await status(any_api, ana, "local only", local_only=True)
    pictured = await status(any_api, far, "pictured")
    await add(any_api, MediaAttachment(actor_id=far.id, status_id=pictured.id, type="image"))
    await status(any_api, quiet, "silenced")
    token = await any_api.token_for("ana")
    everything = _texts(await any_api.json("GET", PUBLIC, token))
    assert everything == ["pictured", "local only", "self-reply", "root"]
    local = await any_api.json("GET", f"{PUBLIC}?local=true", token)
    assert _texts(local) == ["local only", "self-reply", "root"]
    assert _texts(await any_api.json("GET", f"{PUBLIC}?remote=1", token)) == ["pictured"]
    assert _texts(await any_api.json("GET", f"{PUBLIC}?only_media=true", token)) == ["pictured"]
    anonymous = await any_api.json("GET", PUBLIC)
    assert _texts(anonymous) == ["pictured", "self-reply", "root"]  # local-only needs a member
    assert_entity(anonymous[0], STATUS)
    await follow(any_api, ana, quiet)  # a silenced domain's account shows once followed
    assert _texts(await any_api.json("GET", PUBLIC, token))[0] == "silenced"
    assert (await any_api.request("GET", f"{PUBLIC}?local=maybe")).status == 422


async def test_tag_timeline_any_all_none(any_api: Api) -> None:
    ana = await any_api.member("ana")
    await status(any_api, ana, "garden", tags=("garden",))
    await status(any_api, ana, "garden seeds", tags=("garden", "seeds"))
    await status(any_api, ana, "seeds", tags=("Seeds",))
    await status(any_api, ana, "garden private", tags=("garden",), visibility="private")
    await status(any_api, ana, "garden spam", tags=("garden", "spam"))
    tag = "/api/v1/timelines/tag/Garden"
    assert _texts(await any_api.json("GET", tag)) == ["garden spam", "garden seeds", "garden"]
    assert _texts(await any_api.json("GET", f"{tag}?any[]=seeds")) == [
        "garden spam", "seeds", "garden seeds", "garden"]
    assert _texts(await any_api.json("GET", f"{tag}?all[]=seeds")) == ["garden seeds"]
    without = await any_api.json("GET", f"{tag}?none[]=spam&none[]=unknown")
    assert _texts(without) == ["garden seeds", "garden"]
    assert await any_api.json("GET", f"{tag}?all[]=unknown") == []
    assert await any_api.json("GET", "/api/v1/timelines/tag/nothing") == []
    too_many = "&".join(f"any[]=t{i}" for i in range(5))
    assert (await any_api.request("GET", f"{tag}?{too_many}")).status == 422


async def test_account_statuses_respect_visibility_and_filters(any_api: Api) -> None:
    ana, bea, cem = await any_api.member("ana"), await any_api.member("bea"), await any_api.member("cem")
    await follow(any_api, bea, ana)
    root = await status(any_api, ana, "public", tags=("garden",))
    await status(any_api, ana, "followers", visibility="private")
    direct = await status(any_api, ana, "direct to cem", visibility="direct")
    await add(any_api, Mention(status_id=direct.id, actor_id=cem.id))
    await status(any_api, ana, "reply", in_reply_to_id=root.id)
    other = await status(any_api, bea, "bea's")
    await status(any_api, ana, "reply to bea", in_reply_to_id=other.id)
    boost_id = new_id()
    await add(any_api, Status(id=boost_id, uri=f"{ana.uri}/b/{boost_id}", actor_id=ana.id, local=True,
                              reblog_of_id=other.id))
    await add(any_api, Pin(actor_id=ana.id, status_id=root.id))
    path = f"/api/v1/accounts/{ana.id}/statuses"
    tokens = {name: await any_api.token_for(name) for name in ("ana", "bea", "cem")}
    assert _texts(await any_api.json("GET", path)) == ["bea's", "reply to bea", "reply", "public"]
    assert "followers" in _texts(await any_api.json("GET", path, tokens["bea"]))
    assert "direct to cem" not in _texts(await any_api.json("GET", path, tokens["bea"]))
    cem_sees = _texts(await any_api.json("GET", path, tokens["cem"]))
    assert "direct to cem" in cem_sees and "followers" not in cem_sees
    assert len(await any_api.json("GET", path, tokens["ana"])) == 6  # all of her own
    assert _texts(await any_api.json("GET", f"{path}?exclude_replies=true&exclude_reblogs=true")) == [
        "reply", "public"]
    assert _texts(await any_api.json("GET", f"{path}?pinned=true")) == ["public"]
    assert _texts(await any_api.json("GET", f"{path}?tagged=Garden")) == ["public"]
    assert await any_api.json("GET", f"{path}?tagged=nothing") == []
    await add(any_api, Block(actor_id=ana.id, target_id=bea.id, uri="https://amity.test/blocks/1"))
    assert await any_api.json("GET", path, tokens["bea"]) == []
    assert (await any_api.request("GET", "/api/v1/accounts/999/statuses")).status == 404


async def test_bookmarks_and_favourites_page_by_their_own_ids(any_api: Api) -> None:
    ana, bea = await any_api.member("ana"), await any_api.member("bea")
    first, second = await status(any_api, bea, "first"), await status(any_api, bea, "second")
    hidden = await status(any_api, bea, "private", visibility="private")  # ana does not follow bea
    marks = [Bookmark(id=new_id(), actor_id=ana.id, status_id=s.id) for s in (second, first, hidden)]
    await add(any_api, *marks)
    await add(any_api, Favourite(actor_id=ana.id, status_id=first.id, uri="https://amity.test/likes/1"))
    token = await any_api.token_for("ana")
    response = await any_api.request("GET", "/api/v1/bookmarks?limit=1", token)
    assert _texts(await response.json()) == ["first"]  # bookmarked last, shown first; private left out
    assert _links(response.headers["Link"])["next"]["max_id"] == str(marks[1].id)
    older = await any_api.json("GET", f"/api/v1/bookmarks?max_id={marks[1].id}", token)
    assert _texts(older) == ["second"]
    favourites = await any_api.json("GET", "/api/v1/favourites", token)
    assert _texts(favourites) == ["first"] and favourites[0]["favourited"] is True
    assert (await any_api.request("GET", "/api/v1/bookmarks")).status == 401


async def test_a_timeline_page_costs_the_same_queries_whatever_its_length(api: Api) -> None:
    ana = await api.member("ana")
    authors = [await remote(api, f"r{i}") for i in range(6)]
    await _in_home(api, ana, *[await status(api, a, f"p{i}", tags=(f"t{i}",)) for i, a in enumerate(authors)])
    token = await api.token_for("ana")
    await api.json("GET", f"{HOME}?limit=1", token)  # warm caches (token touch)
    await api.json("GET", f"{HOME}?limit=6", token)  # and rendered statuses (cold pages: test_status_cache)
    for _ in range(3):  # a per-process cache (settings: 3 s) may expire between the two on a busy
        with counting_queries(api) as one:  # machine and add a query to one of them; an N+1 would
            await api.json("GET", f"{HOME}?limit=1", token)  # differ on every attempt
        with counting_queries(api) as six:
            assert len(await api.json("GET", f"{HOME}?limit=6", token)) == 6
        if len(six) == len(one):
            break
    assert len(six) == len(one), (one, six)


async def test_public_tag_and_follower_pages_cost_the_same_queries_whatever_their_length(api: Api) -> None:
    ana = await api.member("ana")
    authors = [await remote(api, f"r{i}") for i in range(5)]
    for i, author in enumerate(authors):
        await status(api, author, f"p{i}", tags=("garden",))
        await follow(api, author, ana)
    token = await api.token_for("ana")
    for path in (PUBLIC, "/api/v1/timelines/tag/garden", f"/api/v1/accounts/{ana.id}/followers"):
        await api.json("GET", f"{path}?limit=1", token)
        forget_rendered(api)  # cold pages: every status rendered
        with counting_queries(api) as one:
            await api.json("GET", f"{path}?limit=1", token)
        forget_rendered(api)
        with counting_queries(api) as five:
            assert len(await api.json("GET", f"{path}?limit=5", token)) == 5
        assert len(five) == len(one), path
        if "timelines" in path:  # then from the cache: the page is one statement, nothing rendered
            with counting_queries(api) as warm:
                assert len(await api.json("GET", f"{path}?limit=5", token)) == 5
            assert len([s for s in warm if "WITH page" in s]) == 1 and len(warm) < len(five), (path, warm)
