"""Paged OrderedCollections: outbox, followers, following, featured; and the featured tags.

The collection document gives `totalItems` and links to its first and last pages; pages
are newest first, PAGE_SIZE items each, keyed by id (`?page=true`, `&max_id=` for older,
`&min_id=` for newer), so a page costs one index range scan however deep it is. All are
ActivityPub GETs: with `authorized_fetch` on they need a signature (401 otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from actors.posts.compose import tag_url
from actors.reading.visibility import Viewer, can_see, visible_to
from actors.social import tag_choices
from actors.social.relations import pinned_statuses
from federation import render
from federation.urls import instance_actor_uri
from federation.vocab import CONTEXT
from storage.models import Actor, Follow, Status
from ui.activitypub import documents, queries, signed
from ui.activitypub.negotiation import as2_response, json_error, not_found
from ui.keys import SERVICES

PAGE_SIZE = 20
_MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class PageRequest:
    max_id: int | None = None  # older than this
    min_id: int | None = None  # newer than this (the page is still shown newest first)

    def url(self, collection: str) -> str:
        bounds = "".join(f"&{key}={value}" for key, value in
                         (("max_id", self.max_id), ("min_id", self.min_id)) if value is not None)
        return f"{collection}?page=true{bounds}"


def page_request(request: web.Request) -> PageRequest | None:
    """The page asked for, or None for the collection itself; 400 for a garbled bound."""
    query = request.query
    if not {"page", "max_id", "min_id"} & query.keys():
        return None
    bounds: dict[str, int | None] = {}
    for key in ("max_id", "min_id"):
        raw = query.get(key)
        if raw is not None and not (raw.isdigit() and int(raw) <= _MAX_ID):
            raise json_error(400, f"{key} must be a status or follow id")
        bounds[key] = int(raw) if raw is not None else None
    return PageRequest(**bounds)


async def _page_rows(session: AsyncSession, query: queries.AnySelect, key: InstrumentedAttribute[int],
                     page: PageRequest) -> tuple[list[Any], bool]:
    """Up to PAGE_SIZE rows newest first, and whether more lie beyond in the paging direction."""
    if page.max_id is not None:
        query = query.where(key < page.max_id)
    if page.min_id is not None:
        query = query.where(key > page.min_id).order_by(key.asc())
    else:
        query = query.order_by(key.desc())
    rows = list((await session.execute(query.limit(PAGE_SIZE + 1))).all())
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return (rows[::-1] if page.min_id is not None else rows), more


def _page_document(collection: str, page: PageRequest, items: list[Any], ids: Sequence[int],
                   more: bool) -> dict[str, Any]:
    ascending = page.min_id is not None
    older = more if not ascending else bool(ids)
    newer = (more if ascending else page.max_id is not None) and bool(ids)
    return render.ordered_collection_page(
        page.url(collection), part_of=collection, items=items,
        next=PageRequest(max_id=ids[-1]).url(collection) if older else None,
        prev=PageRequest(min_id=ids[0]).url(collection) if newer else None)


def _collection(collection: str, total: int) -> dict[str, Any]:
    return render.ordered_collection(collection, total, first=PageRequest().url(collection),
                                     last=PageRequest(min_id=0).url(collection))


async def _owner(request: web.Request, session: AsyncSession) -> Actor:
    found = await queries.local_account(session, request.match_info["name"])
    if found is None:
        not_found("No such account")
    return found[0]


async def outbox(request: web.Request) -> web.Response:
    """Create activities of the member's public and unlisted posts that the signer may see
    (`actors.reading.visibility`; boosts are not listed)."""
    viewer = await signed.viewer(request)
    page = page_request(request)
    services = request.app[SERVICES]
    async with services.sessions() as session:
        author = await _owner(request, session)
        collection = author.outbox_url or f"{author.uri}/outbox"
        query = queries.outbox_statuses(author).where(visible_to(Viewer.of(viewer)))
        if page is None:
            return as2_response(_collection(collection, await queries.count(session, query)))
        rows, more = await _page_rows(session, query, Status.id, page)
        statuses = [row[0] for row in rows]
        notes = await documents.notes(session, author, statuses, local_domain=services.domain)
    items = [documents.create_of(note, status, author) for note, status in zip(notes, statuses, strict=True)]
    return as2_response(_page_document(collection, page, items, [s.id for s in statuses], more))


async def _follow_collection(request: web.Request, *, followers: bool) -> web.Response:
    await signed.viewer(request)
    page = page_request(request)
    async with request.app[SERVICES].sessions() as session:
        account = await _owner(request, session)
        if followers:
            collection = account.followers_url or f"{account.uri}/followers"
            query = queries.followers_of(account)
        else:
            collection = account.following_url or f"{account.uri}/following"
            query = queries.followed_by(account)
        if page is None:
            return as2_response(_collection(collection, await queries.count(session, query)))
        rows, more = await _page_rows(session, query, Follow.id, page)
    follows: list[tuple[Follow, Actor]] = [(row[0], row[1]) for row in rows]
    items = [actor.uri for _, actor in follows]
    return as2_response(_page_document(collection, page, items, [f.id for f, _ in follows], more))


async def followers(request: web.Request) -> web.Response:
    return await _follow_collection(request, followers=True)


async def following(request: web.Request) -> web.Response:
    return await _follow_collection(request, followers=False)


async def featured(request: web.Request) -> web.Response:
    """Pinned posts, embedded whole (as Mastodon), newest pin first: only those the viewer may see."""
    viewer = await signed.viewer(request)
    services = request.app[SERVICES]
    async with services.sessions() as session:
        account = await _owner(request, session)
        pinned = [status for status in await pinned_statuses(session, account)
                  if await can_see(session, viewer, status)]
        notes = await documents.notes(session, account, pinned, local_domain=services.domain)
    collection = account.featured_url or f"{account.uri}/collections/featured"
    doc = render.ordered_collection(collection, len(notes), first=None)
    doc["orderedItems"] = [{k: v for k, v in note.items() if k != "@context"} for note in notes]
    return as2_response(doc)


async def featured_tags(request: web.Request) -> web.Response:
    """The member's featured tags as Mastodon's `featuredTags` Collection of Hashtags."""
    await signed.viewer(request)
    services = request.app[SERVICES]
    async with services.sessions() as session:
        account = await _owner(request, session)
        tags = [tag for _, tag, _, _ in await tag_choices.featured_tags(session, account.id)]
    items = [{"type": "Hashtag", "href": tag_url(services.base_url, tag.name),
              "name": f"#{tag.display_name or tag.name}"} for tag in tags]
    return as2_response({"@context": CONTEXT, "id": f"{account.uri}/collections/tags", "type": "Collection",
                         "totalItems": len(items), "items": items})


async def instance_outbox(request: web.Request) -> web.Response:
    """The instance actor publishes nothing: an empty outbox, so its document links no 404."""
    await signed.viewer(request)
    collection = f"{instance_actor_uri(request.app[SERVICES].base_url)}/outbox"
    doc = render.ordered_collection(collection, 0, first=None)
    doc["orderedItems"] = []
    return as2_response(doc)


def setup(app: web.Application) -> None:
    app.router.add_get("/users/{name}/outbox", outbox)
    app.router.add_get("/users/{name}/followers", followers)
    app.router.add_get("/users/{name}/following", following)
    app.router.add_get("/users/{name}/collections/featured", featured)
    app.router.add_get("/users/{name}/collections/tags", featured_tags)
    app.router.add_get("/actor/outbox", instance_outbox)
