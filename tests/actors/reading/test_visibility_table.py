"""Every surface that shows a status answers as one truth table says, on both engines.

alice writes a public root post, then replies to it in each visibility (public, unlisted,
followers-only, direct, local-only public), each mentioning mo: one with a picture and a
hashtag, one with a poll; mo favourites the first of each (a Like, `/activities/{id}`), alice
pins it. Then every kind of
viewer asks every surface about every post, and each answer must be "shown" exactly when the
table below says the viewer may see the post. The table is written here by hand, independently
of `actors.reading.visibility`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, FormData
from pytest_aiohttp import AiohttpClient
from sqlalchemy import select

from actors.outgoing.fanout import FANOUT_KIND, run_fanout
from federation.delivery.job import DELIVERY_KIND
from federation.httpsig.signatures import sign_request
from storage.models import ACCEPTED, Actor, Block, Favourite, Follow, Job, Pin, TimelineEntry
from storage.worker import Registry, Worker, drain
from tests.actors.factories import keypair
from tests.media_samples import png
from tests.ui.client_api import Api, start_api

AS2 = "application/activity+json"
KINDS = ("public", "unlisted", "private", "direct", "local")  # "local": public, local-only
API_VIEWERS = ("anonymous", "member", "follower", "mentioned", "blocked")
AS2_VIEWERS = ("anonymous", "remote_server", "remote_follower")

# Who sees what: the rule as the docs state it (local-only: members of this node only).
SEES: dict[str, set[str]] = {
    "anonymous": {"public", "unlisted"},
    "member": {"public", "unlisted", "local"},
    "follower": {"public", "unlisted", "private", "local"},
    "mentioned": {"public", "unlisted", "private", "direct", "local"},
    "blocked": set(),
    "remote_server": {"public", "unlisted"},
    "remote_follower": {"public", "unlisted", "private"},
}


@dataclass
class World:
    api: Api
    alice: Actor
    tokens: dict[str, str | None]  # API viewer -> bearer token
    signers: dict[str, Actor | None]  # AS2 viewer -> remote actor signing the GET
    posts: dict[str, dict[str, Any]]  # kind -> the status entity as alice sees it
    polls: dict[str, str]  # kind -> the poll id of another post of that kind
    likes: dict[str, str]  # kind -> the id of mo's Like of the post (`/activities/…`)
    root_id: str


@pytest.fixture
async def world(aiohttp_client: AiohttpClient, db_url: str, tmp_path: Path) -> AsyncIterator[World]:
    api = await start_api(aiohttp_client, db_url, tmp_path)
    alice = await api.member("alice")
    people = {name: await api.member(name) for name in ("mia", "fred", "mo", "bo")}
    server = await _remote(api, "https://remote.example/actor")
    remote_fan = await _remote(api, "https://remote.example/users/fan")
    async with api.services.sessions() as session, session.begin():
        for follower in (people["fred"], remote_fan):
            session.add(Follow(follower_id=follower.id, followee_id=alice.id, state=ACCEPTED,
                               uri=f"{follower.uri}#follow"))
        session.add(Block(actor_id=alice.id, target_id=people["bo"].id, uri=f"{alice.uri}#block"))
    alice_token = await api.token_for("alice")
    tokens: dict[str, str | None] = {"anonymous": None}
    for kind, name in (("member", "mia"), ("follower", "fred"), ("mentioned", "mo"), ("blocked", "bo")):
        tokens[kind] = await api.token_for(name)
    root = await api.json("POST", "/api/v1/statuses", alice_token, data={"status": "root"})
    posts = {kind: await _post(api, alice_token, kind, root["id"]) for kind in KINDS}
    polls = {kind: (await _post(api, alice_token, kind, root["id"], poll=True))["poll"]["id"]
             for kind in KINDS}
    async with api.services.sessions() as session, session.begin():
        session.add_all([Pin(actor_id=alice.id, status_id=int(p["id"])) for p in posts.values()])
    for post in posts.values():
        await api.json("POST", f"/api/v1/statuses/{post['id']}/favourite", tokens["mentioned"])
    await drain(Worker(api.services.engine, _fanout_only(), deps=api.services, queues=("default",)))
    async with api.services.sessions() as session:
        liked = dict((await session.execute(select(Favourite.status_id, Favourite.uri))).all())
    likes = {kind: liked[int(post["id"])] for kind, post in posts.items()}
    signers = {"anonymous": None, "remote_server": server, "remote_follower": remote_fan}
    yield World(api, alice, tokens, signers, posts, polls, likes, root["id"])


def _fanout_only() -> Registry:
    registry = Registry()
    registry.register(FANOUT_KIND, run_fanout)
    return registry


async def _remote(api: Api, uri: str) -> Actor:
    actor = Actor(username=uri.rsplit("/", 1)[-1], domain="remote.example", uri=uri, inbox_url=f"{uri}/inbox",
                  key_id=f"{uri}#main-key", public_key_pem=keypair()[1])
    async with api.services.sessions() as session, session.begin():
        session.add(actor)
    return actor


async def _post(api: Api, token: str, kind: str, root_id: str, *, poll: bool = False) -> dict[str, Any]:
    """A post with a picture (or with a poll: a post may not have both)."""
    fields: dict[str, Any] = {"status": f"@mo hello #vistable word{kind}", "in_reply_to_id": root_id,
                              "visibility": "public" if kind == "local" else kind}
    if poll:
        fields |= {"status": f"@mo poll {kind}", "poll[options][]": ["yes", "no"], "poll[expires_in]": "3600"}
    else:
        form = FormData()
        form.add_field("file", png(), filename="picture.png", content_type="image/png")
        fields["media_ids[]"] = (await api.json("POST", "/api/v2/media", token, data=form))["id"]
    if kind == "local":
        fields["local_only"] = "true"
    return dict(await api.json("POST", "/api/v1/statuses", token, data=_multi(fields)))


def _multi(fields: dict[str, Any]) -> list[tuple[str, str]]:
    return [(key, value) for key, values in fields.items()
            for value in (values if isinstance(values, list) else [values])]


async def _get(world: World, path: str, viewer: str) -> ClientResponse:
    return await world.api.request("GET", path, world.tokens[viewer])


async def _shown(world: World, path: str, viewer: str) -> bool:
    """200 means shown, 404 hidden; anything else is a failure of its own."""
    response = await _get(world, path, viewer)
    assert response.status in (200, 404), f"{path} as {viewer}: {response.status} {await response.text()}"
    return response.status == 200


async def _listed(world: World, path: str, viewer: str) -> set[str]:
    """The post kinds whose ids a list of statuses (or a context) holds; none if 404."""
    response = await _get(world, path, viewer)
    if response.status == 404:
        return set()
    assert response.status == 200, f"{path} as {viewer}: {await response.text()}"
    body = await response.json()
    if isinstance(body, dict):
        entities = body["statuses"] if "statuses" in body else body["ancestors"] + body["descendants"]
    else:
        entities = body
    ids = {e["id"] for e in entities}
    return {kind for kind, post in world.posts.items() if post["id"] in ids}


async def _as2(world: World, path: str, viewer: str, accept: str = AS2) -> ClientResponse:
    headers = {"Accept": accept}
    signer = world.signers[viewer]
    if signer is not None:
        headers |= sign_request("GET", f"{world.api.config.base_url}{path}", key_id=signer.key_id or "",
                                private_key_pem=keypair()[0])
    return await world.api.client.get(path, headers=headers, allow_redirects=False)


def _expect(viewer: str, among: tuple[str, ...] = KINDS, *, listed: bool = True) -> set[str]:
    """What `viewer` should be shown of the posts of kinds `among` (`listed`: whether the surface
    lists this viewer's posts at all, as home only lists what fan-out delivered)."""
    return {kind for kind in among if kind in SEES[viewer]} if listed else set()


ON_PUBLIC_TIMELINES = ("public", "local")
IN_OUTBOX = ("public", "unlisted")


class Checks:
    def __init__(self, world: World) -> None:
        self.world = world
        self.wrong: list[str] = []

    def check(self, surface: str, viewer: str, found: set[str], expected: set[str]) -> None:
        if found != expected:
            self.wrong.append(f"{surface} as {viewer}: shows {sorted(found)}, expected {sorted(expected)}")

    async def each_post(self, viewer: str, path: str) -> set[str]:
        """The kinds whose `path` (with `{id}` for the post's id) answers 200 to `viewer`."""
        return {kind for kind, post in self.world.posts.items()
                if await _shown(self.world, path.format(id=post["id"]), viewer)}

    async def with_media(self, viewer: str) -> set[str]:
        found = set()
        for kind, post in self.world.posts.items():
            response = await _get(self.world, f"/api/v1/statuses/{post['id']}", viewer)
            if response.status == 200 and (await response.json())["media_attachments"]:
                found.add(kind)
        return found

    async def searched(self, viewer: str) -> set[str]:
        found: set[str] = set()
        for kind in KINDS:
            found |= await _listed(self.world, f"/api/v2/search?type=statuses&q=word{kind}", viewer)
        return found

    def done(self) -> None:
        assert not self.wrong, "\n".join(self.wrong)


async def test_every_api_surface_follows_the_table(world: World) -> None:
    checks = Checks(world)
    check = checks.check
    for viewer in API_VIEWERS:
        for suffix in ("", "/context", "/history", "/favourited_by", "/reblogged_by"):
            found = await checks.each_post(viewer, "/api/v1/statuses/{id}" + suffix)
            check(f"statuses/:id{suffix}", viewer, found, _expect(viewer))
        polls = {k for k, poll in world.polls.items() if await _shown(world, f"/api/v1/polls/{poll}", viewer)}
        check("polls/:id", viewer, polls, _expect(viewer))
        check("media attachments", viewer, await checks.with_media(viewer), _expect(viewer))
        ids = "&".join(f"id[]={p['id']}" for p in world.posts.values())
        lists = {"statuses?id[]": (f"/api/v1/statuses?{ids}", KINDS),
                 "context of the root": (f"/api/v1/statuses/{world.root_id}/context", KINDS),
                 "public": ("/api/v1/timelines/public", ON_PUBLIC_TIMELINES),
                 "local": ("/api/v1/timelines/public?local=true", ON_PUBLIC_TIMELINES),
                 "tag": ("/api/v1/timelines/tag/vistable", ON_PUBLIC_TIMELINES),
                 "account statuses": (f"/api/v1/accounts/{world.alice.id}/statuses", KINDS)}
        for surface, (path, among) in lists.items():
            check(surface, viewer, await _listed(world, path, viewer), _expect(viewer, among))
        if viewer == "anonymous":
            continue  # the rest is for members: home, source (the author's only), search (theirs)
        check("home", viewer, await _listed(world, "/api/v1/timelines/home", viewer),
              _expect(viewer, listed=viewer in ("follower", "mentioned")))
        check("source", viewer, await checks.each_post(viewer, "/api/v1/statuses/{id}/source"), set())
        check("search", viewer, await checks.searched(viewer), _expect(viewer, listed=viewer == "mentioned"))
    checks.done()


async def _as2_shown(world: World, path: str, viewer: str, accept: str = AS2) -> bool:
    response = await _as2(world, path, viewer, accept)
    assert response.status in (200, 404), f"{path} as {viewer}: {response.status} {await response.text()}"
    return response.status == 200


async def _as2_items(world: World, path: str, viewer: str) -> set[str]:
    """The post kinds a collection (or page) holds, as objects or as activities' objects."""
    doc = await (await _as2(world, path, viewer)).json(content_type=None)
    ids = {item["object"]["id"] if item.get("type") == "Create" else item["id"]
           for item in doc["orderedItems"]}
    return {kind for kind, post in world.posts.items() if post["uri"] in ids}


async def test_every_activitypub_surface_follows_the_table(world: World) -> None:
    checks = Checks(world)
    for viewer in AS2_VIEWERS:
        for suffix in ("", "/activity"):
            found = {kind for kind, post in world.posts.items()
                     if await _as2_shown(world, f"/users/alice/statuses/{post['id']}{suffix}", viewer)}
            checks.check(f"statuses/:id{suffix}", viewer, found, _expect(viewer))
        likes = {kind for kind, uri in world.likes.items()
                 if await _as2_shown(world, uri.removeprefix(world.api.config.base_url), viewer)}
        checks.check("activities (Like)", viewer, likes, _expect(viewer))
        checks.check("featured", viewer, await _as2_items(world, "/users/alice/collections/featured", viewer),
                     _expect(viewer))
        checks.check("outbox", viewer, await _as2_items(world, "/users/alice/outbox?page=true", viewer),
                     _expect(viewer, IN_OUTBOX))
        if viewer == "anonymous":  # pages are for anonymous readers
            pages = {kind for kind, post in world.posts.items()
                     if await _as2_shown(world, f"/@alice/{post['id']}", viewer, accept="text/html")}
            checks.check("HTML page", viewer, pages, _expect(viewer))
    checks.done()


async def test_fan_out_reaches_exactly_who_may_see(world: World) -> None:
    async with world.api.services.sessions() as session:
        owners = set((await session.execute(select(TimelineEntry.owner_id, TimelineEntry.status_id))).all())
        deliveries = [job.payload for job in (await session.scalars(
            select(Job).where(Job.kind == DELIVERY_KIND))).all()]
        actors = {a.username: a for a in (await session.scalars(select(Actor))).all()}
    for viewer, name in {"member": "mia", "follower": "fred", "mentioned": "mo", "blocked": "bo"}.items():
        got = {kind for kind, post in world.posts.items() if (actors[name].id, int(post["id"])) in owners}
        assert got == _expect(viewer, listed=viewer in ("follower", "mentioned")), viewer
    assert {d["inbox"] for d in deliveries} == {actors["fan"].inbox_url}, "only the remote follower's server"
    assert len(deliveries) == 2 * len(_expect("remote_follower")) + 1  # its posts (two of each), the root


async def test_home_drops_followers_only_posts_once_the_follower_unfollows(world: World) -> None:
    follower = world.tokens["follower"]
    assert "private" in await _listed(world, "/api/v1/timelines/home", "follower")
    await world.api.json("POST", f"/api/v1/accounts/{world.alice.id}/unfollow", follower)
    # what stays is what any member may see (entries delivered earlier are not deleted)
    assert await _listed(world, "/api/v1/timelines/home", "follower") == _expect("member")
