"""Outbox, followers, following and featured as paged OrderedCollections."""

from __future__ import annotations

from storage.models import PENDING, Actor, Block, Pin, Status
from tests.ui.activitypub.conftest import Node
from ui.activitypub.collections import PAGE_SIZE

OUTBOX = "http://amity.test/users/alice/outbox"


async def _posts(node: Node, author: Actor, count: int, visibility: str = "public") -> list[Status]:
    return [await node.status(author, visibility=visibility, content=f"<p>{i}</p>") for i in range(count)]


async def test_the_outbox_counts_only_public_and_unlisted_posts(any_node: Node) -> None:
    alice = await any_node.user("alice")
    await any_node.status(alice)
    await any_node.status(alice, visibility="unlisted")
    await any_node.status(alice, visibility="private")
    await any_node.status(alice, visibility="direct")
    await any_node.status(alice, local_only=True)
    await any_node.status(alice, reblog_of_id=(await any_node.status(await any_node.user("bob"))).id)
    doc = await any_node.json("/users/alice/outbox")
    assert doc["type"] == "OrderedCollection" and doc["id"] == OUTBOX
    assert doc["totalItems"] == 2
    assert doc["first"] == f"{OUTBOX}?page=true" and doc["last"] == f"{OUTBOX}?page=true&min_id=0"


async def test_an_outbox_page_lists_create_activities_newest_first(node: Node) -> None:
    alice = await node.user("alice")
    older, newer = await _posts(node, alice, 2)
    await node.status(alice, visibility="private")
    page = await node.json("/users/alice/outbox?page=true")
    assert page["type"] == "OrderedCollectionPage" and page["partOf"] == OUTBOX
    assert [item["type"] for item in page["orderedItems"]] == ["Create", "Create"]
    assert [item["object"]["id"] for item in page["orderedItems"]] == [newer.uri, older.uri]
    assert "next" not in page and "prev" not in page


async def test_outbox_pages_follow_next_links_to_the_oldest_post(any_node: Node) -> None:
    alice = await any_node.user("alice")
    posts = await _posts(any_node, alice, PAGE_SIZE + 3)
    first = await any_node.json("/users/alice/outbox?page=true")
    assert len(first["orderedItems"]) == PAGE_SIZE
    assert first["next"] == f"{OUTBOX}?page=true&max_id={posts[3].id}"
    second = await any_node.json(first["next"].removeprefix("http://amity.test"))
    assert [item["object"]["id"] for item in second["orderedItems"]] == [p.uri for p in posts[2::-1]]
    assert "next" not in second
    assert second["prev"] == f"{OUTBOX}?page=true&min_id={posts[2].id}"


async def test_an_outbox_prev_link_gives_the_newer_posts(node: Node) -> None:
    alice = await node.user("alice")
    posts = await _posts(node, alice, 5)
    page = await node.json(f"/users/alice/outbox?page=true&min_id={posts[1].id}")
    assert [item["object"]["id"] for item in page["orderedItems"]] == [p.uri for p in posts[:1:-1]]
    assert page["next"] == f"{OUTBOX}?page=true&max_id={posts[2].id}"
    assert "prev" not in page


async def test_max_id_alone_asks_for_a_page(node: Node) -> None:
    alice = await node.user("alice")
    posts = await _posts(node, alice, 3)
    page = await node.json(f"/users/alice/outbox?max_id={posts[2].id}")
    assert [item["object"]["id"] for item in page["orderedItems"]] == [posts[1].uri, posts[0].uri]


async def test_a_garbled_page_bound_is_a_400(node: Node) -> None:
    await node.user("alice")
    response = await node.get("/users/alice/outbox?page=true&max_id=abc")
    assert response.status == 400 and "error" in await response.json()


async def test_the_outbox_of_no_such_member_is_a_404(node: Node) -> None:
    assert (await node.get("/users/nobody/outbox")).status == 404


async def test_followers_lists_accepted_followers_only(any_node: Node) -> None:
    alice = await any_node.user("alice")
    bob = await any_node.user("bob")
    carol = await any_node.remote("carol")
    dave = await any_node.remote("dave")
    await any_node.follow(bob, alice)
    await any_node.follow(carol.actor, alice)
    await any_node.follow(dave.actor, alice, state=PENDING)
    await any_node.follow(alice, bob)
    collection = await any_node.json("/users/alice/followers")
    assert collection["type"] == "OrderedCollection" and collection["totalItems"] == 2
    page = await any_node.json(collection["first"].removeprefix("http://amity.test"))
    assert page["orderedItems"] == [carol.actor.uri, bob.uri]


async def test_following_lists_whom_the_member_follows(node: Node) -> None:
    alice = await node.user("alice")
    carol = await node.remote("carol")
    dave = await node.remote("dave")
    await node.follow(alice, carol.actor)
    await node.follow(alice, dave.actor, state=PENDING)
    await node.follow(carol.actor, alice)
    assert (await node.json("/users/alice/following"))["totalItems"] == 1
    page = await node.json("/users/alice/following?page=true")
    assert page["orderedItems"] == [carol.actor.uri]


async def test_followers_are_paged(node: Node) -> None:
    alice = await node.user("alice")
    fans = [await node.remote(f"fan{i}") for i in range(PAGE_SIZE + 1)]
    for fan in fans:
        await node.follow(fan.actor, alice)
    first = await node.json("/users/alice/followers?page=true")
    assert len(first["orderedItems"]) == PAGE_SIZE
    second = await node.json(first["next"].removeprefix("http://amity.test"))
    assert second["orderedItems"] == [fans[0].actor.uri]


async def test_featured_is_an_empty_collection_without_pins(node: Node) -> None:
    await node.user("alice")
    doc = await node.json("/users/alice/collections/featured")
    assert doc["id"] == "http://amity.test/users/alice/collections/featured"
    assert doc["type"] == "OrderedCollection" and doc["totalItems"] == 0 and doc["orderedItems"] == []


async def test_featured_embeds_the_pinned_posts_the_viewer_may_see(node: Node) -> None:
    alice = await node.user("alice")
    public = await node.status(alice, content="<p>opening hours</p>")
    followers_only = await node.status(alice, visibility="private", content="<p>for followers</p>")
    async with node.services.sessions() as session, session.begin():
        for status in (public, followers_only):
            session.add(Pin(actor_id=alice.id, status_id=status.id))
    doc = await node.json("/users/alice/collections/featured")
    assert doc["totalItems"] == 1
    [note] = doc["orderedItems"]
    assert note["id"] == public.uri and note["type"] == "Note" and "@context" not in note


async def test_the_instance_actor_has_an_empty_outbox(node: Node) -> None:
    doc = await node.json("/actor/outbox")
    assert doc["id"] == "http://amity.test/actor/outbox" and doc["totalItems"] == 0


async def test_a_blocked_signer_sees_an_empty_outbox(node: Node) -> None:
    alice = await node.user("alice")
    await node.status(alice)
    blocked = await node.remote("blocked")
    async with node.services.sessions() as session, session.begin():
        session.add(Block(actor_id=alice.id, target_id=blocked.actor.id, uri="http://amity.test/blocks/1"))
    assert (await node.json("/users/alice/outbox"))["totalItems"] == 1
    assert (await node.json("/users/alice/outbox", signer=blocked))["totalItems"] == 0
