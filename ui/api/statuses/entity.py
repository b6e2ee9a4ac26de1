"""Mastodon's Status entity (with MediaAttachment, Poll, Tag, Emoji, Mention, PreviewCard,
Application), in bulk, and finding the statuses a viewer may see for the statuses routes.

`render_statuses` renders any number of statuses with a fixed number of queries: the boosted
originals, the authors (through `render_accounts`), parts (`actors.reading.parts.load_parts`), mentions,
cards, the parents' authors and the viewer's own state (favourited, reblogged, bookmarked,
pinned, muted, poll votes) are each one query for the whole list, never one per status.
`render_statuses` renders what it is given: which statuses a viewer may see is decided by
`actors.reading.visibility` (through the timeline's query, or `visible_status` here).

*The `application`* of Status entities: the app a local post was made with, for a whole page
in one query. Shown to every reader, as Mastodon 4.3 does by default (its per-member
"disclose the app" opt-out has no counterpart in Amity yet); remote posts have none (null).

*For the routes*: what the statuses, polls and media routes share: finding a status the viewer
may see (`visible_status`), and rendering statuses for the request (its viewer, languages and
node).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts.cards import cards_for
from actors.reading.languages import pick, reader_preferences
from actors.reading.parts import load_parts
from actors.reading.visibility import Viewer, visible_ids, visible_to
from actors.social.muting import live_mute, thread_chain
from federation.attachments import media_url
from federation.question import has_ended
from federation.render import PostParts
from federation.services import Services
from federation.urls import shown_url
from storage.blobs import BlobStore
from storage.models import (
    Actor,
    Block,
    Bookmark,
    ConversationMute,
    CustomEmoji,
    Favourite,
    MediaAttachment,
    Mention,
    Mute,
    OAuthApplication,
    Pin,
    Poll,
    PollVote,
    PreviewCard,
    Status,
    Tag,
)
from ui.api.entities import Urls, acct, iso_datetime, render_accounts
from ui.api.responses import NOT_FOUND, api_error
from ui.api.routing import urls
from ui.keys import SERVICES


async def render_statuses(session: AsyncSession, services: Services, viewer: Actor | None,
                          statuses: Sequence[Status], urls: Urls, *,
                          reader_languages: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Status entities for `statuses`, in order, as `viewer` (None: anonymous) sees them.

    `reader_languages` are the reader's language preferences, best first
    (`actors.reading.languages.reader_preferences`): each status shows the version they pick.
    """
    if not statuses:
        return []
    boosted_ids = {s.reblog_of_id for s in statuses if s.reblog_of_id is not None}
    originals = {s.id: s for s in (await session.scalars(
        select(Status).where(Status.id.in_(boosted_ids)))).all()} if boosted_ids else {}
    everything = {s.id: s for s in [*statuses, *originals.values()]}
    loaded = await _load(session, viewer, everything, urls)
    rendered = []
    for status in statuses:
        original = originals.get(status.reblog_of_id) if status.reblog_of_id is not None else None
        entity = _status(status, loaded, urls, viewer, reader_languages)
        if original is not None:
            entity["reblog"] = _status(original, loaded, urls, viewer, reader_languages)
        rendered.append(entity)
    return rendered


class _Loaded:
    """Everything the statuses of one page need, loaded in bulk."""

    def __init__(self) -> None:
        self.accounts: dict[int, dict[str, Any]] = {}
        self.parent_authors: dict[int, int] = {}
        self.parts: dict[int, PostParts] = {}
        self.mentions: dict[int, list[Actor]] = defaultdict(list)
        self.cards: dict[int, PreviewCard] = {}
        self.favourited: set[int] = set()
        self.reblogged: set[int] = set()
        self.bookmarked: set[int] = set()
        self.pinned: set[int] = set()
        self.muted: set[int] = set()
        self.own_votes: dict[int, list[int]] = defaultdict(list)
        self.applications: dict[int, dict[str, Any]] = {}


async def _load(session: AsyncSession, viewer: Actor | None, statuses: dict[int, Status], urls: Urls
                ) -> _Loaded:
    loaded = _Loaded()
    ids = list(statuses)
    parent_ids = {s.in_reply_to_id for s in statuses.values() if s.in_reply_to_id is not None}
    if parent_ids:
        loaded.parent_authors = dict((await session.execute(
            select(Status.id, Status.actor_id).where(Status.id.in_(parent_ids)))).all())
    author_ids = {s.actor_id for s in statuses.values()}
    authors = (await session.scalars(select(Actor).where(Actor.id.in_(author_ids)))).all()
    loaded.accounts = {int(a["id"]): a for a in await render_accounts(session, list(authors), urls)}
    loaded.parts = await load_parts(session, ids)
    for status_id, actor in (await session.execute(
            select(Mention.status_id, Actor).join(Actor, Actor.id == Mention.actor_id)
            .where(Mention.status_id.in_(ids)).order_by(Mention.status_id, Mention.id))).all():
        loaded.mentions[status_id].append(actor)
    loaded.cards = await cards_for(session, ids)
    loaded.applications = await applications_of(session, statuses.values())
    if viewer is not None:
        await _load_viewer_state(session, viewer.id, statuses, loaded)
    return loaded


async def _load_viewer_state(session: AsyncSession, viewer_id: int, statuses: dict[int, Status],
                             loaded: _Loaded) -> None:
    ids = list(statuses)

    async def ids_where(column: Any, *conditions: Any) -> set[int]:
        return set((await session.scalars(select(column).where(*conditions))).all())

    loaded.favourited = await ids_where(Favourite.status_id, Favourite.actor_id == viewer_id,
                                        Favourite.status_id.in_(ids))
    loaded.reblogged = await ids_where(Status.reblog_of_id, Status.actor_id == viewer_id,
                                       Status.reblog_of_id.in_(ids))
    loaded.bookmarked = await ids_where(Bookmark.status_id, Bookmark.actor_id == viewer_id,
                                        Bookmark.status_id.in_(ids))
    loaded.pinned = await ids_where(Pin.status_id, Pin.actor_id == viewer_id, Pin.status_id.in_(ids))
    loaded.muted = await in_muted_threads(session, viewer_id, ids)
    poll_ids = {part.poll.id: part.poll for part in loaded.parts.values() if part.poll is not None}
    if poll_ids:
        for poll_id, choice in (await session.execute(
                select(PollVote.poll_id, PollVote.choice).where(PollVote.poll_id.in_(list(poll_ids)),
                                                                PollVote.actor_id == viewer_id)
                .order_by(PollVote.poll_id, PollVote.choice))).all():
            loaded.own_votes[poll_id].append(choice)


async def in_muted_threads(session: AsyncSession, viewer_id: int, ids: list[int]) -> set[int]:
    """Which statuses are in a conversation the viewer muted. A conversation mute is keyed by
    the thread's root, so each status's chain of parents is walked up, in one recursive query."""
    chain = thread_chain(ids)
    rows = await session.scalars(
        select(chain.c.start).join(ConversationMute, ConversationMute.status_id == chain.c.id)
        .where(ConversationMute.actor_id == viewer_id))
    return set(rows.all())


def _status(status: Status, loaded: _Loaded, urls: Urls, viewer: Actor | None,
            reader_languages: Sequence[str]) -> dict[str, Any]:
    parts = loaded.parts.get(status.id, PostParts())
    version = pick(status, reader_languages)
    card = loaded.cards.get(status.id)
    entity: dict[str, Any] = {
        "id": str(status.id),
        "uri": status.uri,
        "url": shown_url(status.url, status.uri),
        "created_at": iso_datetime(status.published_at),
        "edited_at": iso_datetime(status.edited_at) if status.edited_at else None,
        "account": loaded.accounts.get(status.actor_id),
        "content": version.content if status.reblog_of_id is None else "",
        "spoiler_text": version.summary if status.reblog_of_id is None else "",
        "language": version.language,
        "sensitive": status.sensitive,
        "visibility": status.visibility,
        "in_reply_to_id": str(status.in_reply_to_id) if status.in_reply_to_id is not None else None,
        "in_reply_to_account_id": _parent_author(status, loaded),
        "reblog": None,
        "media_attachments": [media_attachment(m, urls) for m in parts.media],
        "mentions": [_mention(a) for a in loaded.mentions.get(status.id, [])],
        "tags": [_tag(t, urls) for t in parts.hashtags],
        "emojis": [custom_emoji(e, urls) for e in parts.emojis],
        "card": preview_card(card) if card is not None else None,
        "poll": (poll_entity(parts.poll, parts.emojis, urls, viewer=viewer, author_id=status.actor_id,
                             own=loaded.own_votes.get(parts.poll.id, []))
                 if parts.poll is not None else None),
        "application": loaded.applications.get(status.application_id) if status.application_id else None,
        "replies_count": status.replies_count,
        "reblogs_count": status.reblogs_count,
        "favourites_count": status.favourites_count,
        "filtered": [],
    }
    if status.local_only:
        entity["local_only"] = True
    if viewer is not None:
        entity |= {"favourited": status.id in loaded.favourited, "reblogged": status.id in loaded.reblogged,
                   "bookmarked": status.id in loaded.bookmarked, "muted": status.id in loaded.muted}
        if status.actor_id == viewer.id:  # Mastodon shows `pinned` on one's own statuses only
            entity["pinned"] = status.id in loaded.pinned
    return entity


def _parent_author(status: Status, loaded: _Loaded) -> str | None:
    if status.in_reply_to_id is None:
        return None
    author = loaded.parent_authors.get(status.in_reply_to_id)
    return None if author is None else str(author)


def _mention(actor: Actor) -> dict[str, Any]:
    return {"id": str(actor.id), "username": actor.username, "url": shown_url(actor.url, actor.uri),
            "acct": acct(actor)}


def _tag(tag: Tag, urls: Urls) -> dict[str, Any]:
    return {"name": tag.name, "url": f"{urls.base_url}/tags/{quote(tag.name, safe='')}"}


def custom_emoji(emoji: CustomEmoji, urls: Urls) -> dict[str, Any]:
    """Mastodon's CustomEmoji entity."""
    return {"shortcode": emoji.shortcode, "url": emoji.image_url, "static_url": emoji.image_url,
            "visible_in_picker": emoji.visible_in_picker and emoji.domain is None,
            "category": emoji.category}


def media_attachment(media: MediaAttachment, urls: Urls) -> dict[str, Any]:
    """Mastodon's MediaAttachment entity (`url` null while the file is not ready)."""
    url = media_url(media, urls.base_url)
    preview = BlobStore.url(urls.base_url, media.thumbnail_key) if media.thumbnail_key \
        else None if media.type in ("audio", "video", "gifv") else url  # no picture: null, as Mastodon
    return {
        "id": str(media.id),
        "type": media.type,
        "url": url,
        "preview_url": preview,
        "remote_url": media.remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": dict(media.meta or {}),
        "description": media.description or None,
        "blurhash": media.blurhash,
    }


def preview_card(card: PreviewCard) -> dict[str, Any]:
    """Mastodon's PreviewCard entity."""
    return {
        "url": card.url, "title": card.title, "description": card.description, "type": card.type,
        "author_name": card.author_name, "author_url": card.author_url, "provider_name": card.provider_name,
        "provider_url": card.provider_url, "html": "", "width": card.width, "height": card.height,
        "image": card.image_url, "image_description": "", "embed_url": "", "blurhash": card.blurhash,
        "language": card.language, "published_at": None, "authors": [],
    }


def poll_entity(poll: Poll, emojis: Collection[CustomEmoji], urls: Urls, *, viewer: Actor | None,
                author_id: int, own: Sequence[int]) -> dict[str, Any]:
    """Mastodon's Poll entity; counts are null while a poll that hides its totals runs, and
    `voted` is true for the poll's author (who cannot vote), as Mastodon's."""
    ended = has_ended(poll)
    show_counts = ended or not poll.hide_totals
    entity: dict[str, Any] = {
        "id": str(poll.id),
        "expires_at": iso_datetime(poll.expires_at) if poll.expires_at else None,
        "expired": ended,
        "multiple": poll.multiple,
        "votes_count": poll.votes_count,
        "voters_count": poll.voters_count,
        "options": [{"title": o["title"], "votes_count": int(o.get("votes", 0)) if show_counts else None}
                    for o in poll.options],
        "emojis": [custom_emoji(e, urls) for e in emojis],
    }
    if viewer is not None:
        entity["voted"] = bool(own) or viewer.id == author_id
        entity["own_votes"] = list(own)
    return entity


async def render_status(session: AsyncSession, services: Services, viewer: Actor | None, status: Status,
                        urls: Urls, *, reader_languages: Sequence[str] = ()) -> dict[str, Any]:
    [entity] = await render_statuses(session, services, viewer, [status], urls,
                                     reader_languages=reader_languages)
    return entity


async def applications_of(session: AsyncSession, statuses: Iterable[Status]) -> dict[int, dict[str, Any]]:
    """Application id -> `{name, website}` for the statuses that have one (a deleted app: absent)."""
    ids = {s.application_id for s in statuses if s.application_id is not None}
    if not ids:
        return {}
    rows = await session.execute(select(OAuthApplication.id, OAuthApplication.name, OAuthApplication.website)
                                 .where(OAuthApplication.id.in_(ids)))
    return {app_id: {"name": name, "website": website or None} for app_id, name, website in rows.all()}


async def visible_status(db: AsyncSession, viewer: Actor | None, status_id: int) -> Status:
    """The status if it exists and `viewer` may see it (`actors.reading.visibility`); 404 otherwise, the
    same answer as for an id that never existed (never 403: a hidden status's existence is not
    revealed)."""
    status = await db.scalar(select(Status).where(Status.id == status_id, visible_to(Viewer.of(viewer))))
    if status is None:
        api_error(404, NOT_FOUND)
    return status


async def visible_among(db: AsyncSession, viewer: Actor | None, statuses: Sequence[Status], *,
                        hide_muted: bool = False) -> list[Status]:
    """The statuses `viewer` may see (`actors.reading.visibility`), in order, in a fixed number of
    queries. `hide_muted` also leaves out accounts the viewer blocks or mutes (threads, as
    Mastodon)."""
    if not statuses:
        return []
    seen = await visible_ids(db, viewer, [s.id for s in statuses])
    hidden: set[int] = set()
    if hide_muted and viewer is not None:
        authors = list({s.actor_id for s in statuses})
        hidden = await _ids(db, select(Block.target_id).where(Block.actor_id == viewer.id,
                                                              Block.target_id.in_(authors)))
        hidden |= await _ids(db, select(Mute.target_id).where(Mute.actor_id == viewer.id,
                                                              Mute.target_id.in_(authors), live_mute()))
        hidden.discard(viewer.id)
    return [s for s in statuses if s.id in seen and s.actor_id not in hidden]


async def _ids(db: AsyncSession, query: Select[Any]) -> set[int]:
    return set((await db.scalars(query)).all())


async def render_for(request: web.Request, db: AsyncSession, viewer: Actor | None,
                     statuses: Sequence[Status]) -> list[dict[str, Any]]:
    languages = await reader_preferences(db, None if viewer is None else viewer.id,
                                         request.headers.get("Accept-Language"))
    return await render_statuses(db, request.app[SERVICES], viewer, statuses, urls(request),
                                 reader_languages=languages)


async def render_one(request: web.Request, db: AsyncSession, viewer: Actor | None, status: Status
                     ) -> dict[str, Any]:
    [entity] = await render_for(request, db, viewer, [status])
    return entity
