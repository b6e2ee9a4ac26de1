"""Remote statuses as they arrive: parse and sanitize, store, edit, delete, tombstone; their tags.

The inbox decides whom to believe (signatures, origins, refetches); this module turns an
already-trusted AS2 object into rows. Everything runs in the caller's transaction and is
idempotent: a status is keyed by its URI, a deleted URI leaves a tombstone and is never
recreated. Boosts, likes and deletions live in `inbox.apply.reactions`.

*Tags*: the Hashtag and Emoji tags of remote posts are read (checked, sanitized) and stored.

Hashtags keep letters, digits and underscores only; an emoji needs a `:shortcode:` name and
an http(s) image URL. Emoji are recorded under the post author's domain and refreshed when
their `updated` moves on (see `actors.posts.emoji.upsert_remote`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts.cards import enqueue_card, refresh_card
from actors.posts.compose import MAX_TAG_CHARS
from actors.posts.emoji import SHORTCODE, RemoteEmoji, upsert_remote
from actors.posts.indexing import conversation_for_remote, index_post
from actors.posts.post_content import set_status_emojis, set_status_tags
from actors.reading.home_membership import REMOTE_POST, home_timeline_pick, home_timeline_statement
from actors.reading.notifications import notify, notify_boosters_of_edit, notify_subscribers
from actors.social.muting import thread_chain
from federation.attachments import RemoteAttachment, parse_attachments
from federation.limits import (
    MAX_ARTICLE_NAME_CHARS,
    MAX_EDITS,
    MAX_EMOJIS,
    MAX_LANGUAGE_CHARS,
    MAX_LANGUAGES,
    MAX_MENTIONS,
    MAX_SUMMARY_CHARS,
    MAX_TAGS,
    MAX_URI_CHARS,
)
from federation.sanitize import clean_html, plain_text
from federation.urls import domain_of, domain_or_none, media_url, page_url
from federation.vocab import (
    POST_TYPES,
    PUBLIC_ALIASES,
    addressed,
    as_list,
    id_of,
    ids,
    language_map,
    parse_datetime,
    tags,
    text,
    type_of,
)
from inbox.apply.post_parts import (
    RemotePoll,
    parse_question,
    replace_remote_attachments,
    store_remote_attachments,
    store_remote_poll,
)
from storage.domain_names import InvalidDomain, normalize_domain
from storage.errors import Invalid
from storage.models import (
    Actor,
    Block,
    Mention,
    Status,
    StatusEdit,
    TimelineEntry,
    Tombstone,
    utcnow,
)
from storage.models.base import id_for_time, new_id
from storage.queries import actors_by_uris


@dataclass(frozen=True)
class RemoteStatus:
    """A post object, checked and sanitized, ready to store."""

    uri: str
    url: str | None
    object_type: str
    content: str
    summary: str
    content_map: dict[str, str]
    summary_map: dict[str, str]
    language: str | None
    sensitive: bool
    published: datetime
    updated: datetime | None
    in_reply_to_uri: str | None
    visibility: str
    mention_uris: tuple[str, ...]  # Mention tags and directly addressed actors
    attachments: tuple[RemoteAttachment, ...] = ()  # checked metadata; nothing fetched
    poll: RemotePoll | None = None  # a Question's options and counts
    hashtags: tuple[str, ...] = ()  # Hashtag tags, names without '#'
    emojis: tuple[RemoteEmoji, ...] = ()  # Emoji tags
    context_uri: str | None = None  # `context`/`conversation`, when it has the post's origin


def visibility_of(doc: dict[str, Any], author: Actor) -> str:
    """public (Public in to), unlisted (Public in cc), private (followers), else direct."""
    to, cc = set(ids(doc.get("to"))), set(ids(doc.get("cc")))
    if to & PUBLIC_ALIASES:
        return "public"
    if cc & PUBLIC_ALIASES:
        return "unlisted"
    followers = author.followers_url or f"{author.uri}/followers"
    if followers in addressed(doc):
        return "private"
    return "direct"


def parse_status(doc: dict[str, Any], author: Actor) -> RemoteStatus:
    """Read a Note/Article/Question/Page by `author`; every piece of HTML is sanitized."""
    uri = id_of(doc)
    kind = type_of(doc)
    if not uri or len(uri) > MAX_URI_CHARS:
        raise Invalid("the object has no usable id")
    if kind not in POST_TYPES:
        raise Invalid(f"{uri} is a {kind!r}, not a post")
    content_map = {k[:MAX_LANGUAGE_CHARS]: clean_html(v) for k, v in _languages(doc, "contentMap")}
    summary_map = {k[:MAX_LANGUAGE_CHARS]: plain_text(v, limit=MAX_SUMMARY_CHARS)
                   for k, v in _languages(doc, "summaryMap")}
    language = next(iter(content_map), None)
    content = clean_html(text(doc, "content")) or (content_map[language] if language else "")
    name = text(doc, "name")
    if kind in ("Article", "Page") and name:
        content = f"<p>{html.escape(name[:MAX_ARTICLE_NAME_CHARS])}</p>{content}"
    summary = (plain_text(text(doc, "summary"), limit=MAX_SUMMARY_CHARS)  # CWs are text
               or next(iter(summary_map.values()), ""))
    now = utcnow()
    return RemoteStatus(
        uri=uri, url=page_url(doc.get("url"), uri), object_type=kind,
        content=content, summary=summary, content_map=content_map, summary_map=summary_map,
        language=language, sensitive=doc.get("sensitive") is True,
        published=min(parse_datetime(doc.get("published")) or now, now),
        updated=parse_datetime(doc.get("updated")),
        in_reply_to_uri=_short(id_of(doc.get("inReplyTo"))),
        visibility=visibility_of(doc, author),
        mention_uris=tuple(dict.fromkeys(_mentioned(doc, author)))[:MAX_MENTIONS],
        attachments=parse_attachments(doc),
        poll=parse_question(doc) if kind == "Question" else None,
        hashtags=parse_hashtags(doc), emojis=parse_emojis(doc), context_uri=context_of(doc, uri),
    )


def context_of(doc: dict[str, Any], uri: str) -> str | None:
    """The thread a post names (`context`, else OStatus's `conversation`), if it is on the post's
    own server: another server cannot put posts into a thread it does not own."""
    own = domain_or_none(uri)
    for key in ("context", "conversation"):
        found = _short(id_of(doc.get(key)))
        if found and own is not None and _origin(found) == own:
            return found
    return None


_TAG_URI = re.compile(r"^tag:([^,:/]+),")  # RFC 4151, as Mastodon's conversations: tag:host,date:…


def _origin(uri: str) -> str | None:
    tagged = _TAG_URI.match(uri)
    if tagged is None:
        return domain_or_none(uri)
    try:
        return normalize_domain(tagged.group(1))
    except InvalidDomain:
        return None


def _languages(doc: dict[str, Any], key: str) -> list[tuple[str, str]]:
    return list(language_map(doc, key).items())[:MAX_LANGUAGES]


def _short(uri: str | None) -> str | None:
    return uri if uri and len(uri) <= MAX_URI_CHARS else None


def _mentioned(doc: dict[str, Any], author: Actor) -> list[str]:
    """Mention tags, then everyone addressed but the public and the author's followers."""
    found = [id_of(tag.get("href")) for tag in tags(doc) if tag.get("type") == "Mention"]
    found += sorted(addressed(doc) - PUBLIC_ALIASES - {author.followers_url, f"{author.uri}/followers"})
    return [uri for uri in found if uri and len(uri) <= MAX_URI_CHARS]


def attributed_to(doc: dict[str, Any]) -> str | None:
    """The author's URI: the first id in `attributedTo` (a link, an object or a list of them)."""
    found = ids(doc.get("attributedTo"))
    return found[0] if found else None


# --- storing ---------------------------------------------------------------------------------

async def status_by_uri(session: AsyncSession, uri: str) -> Status | None:
    return await session.scalar(select(Status).where(Status.uri == uri))


async def is_tombstoned(session: AsyncSession, uri: str, *, author_uri: str | None = None) -> bool:
    """Was `uri` deleted? With `author_uri`: by that author (a tombstone is keyed to whoever
    deleted it, so one actor's Delete never blocks another's post)."""
    condition = Tombstone.uri == uri
    if author_uri is not None:
        condition = condition & (Tombstone.actor_uri.is_(None) | (Tombstone.actor_uri == author_uri))
    return bool(await session.scalar(select(exists().where(condition))))


async def store_status(session: AsyncSession, parsed: RemoteStatus, author: Actor, *,
                       announce: bool = True) -> Status | None:
    """Insert the status (or return the stored one); None if its URI was deleted.

    `announce`: it arrived as a Create, so mentioned local accounts are notified and local
    followers of the author get it in their home timelines (not for fetched ancestors).
    """
    if await is_tombstoned(session, parsed.uri, author_uri=author.uri):
        return None
    existing = await status_by_uri(session, parsed.uri)
    if existing is not None:
        return existing
    parent = await status_by_uri(session, parsed.in_reply_to_uri) if parsed.in_reply_to_uri else None
    conversation_id = await conversation_for_remote(session, parsed.context_uri, parent)
    status, created = await insert_status(session, parsed.uri, lambda: Status(
        id=id_for_time(parsed.published, not_after=utcnow()), uri=parsed.uri, url=parsed.url,
        actor_id=author.id, local=False, object_type=parsed.object_type,
        in_reply_to_id=parent.id if parent else None, in_reply_to_uri=parsed.in_reply_to_uri,
        visibility=parsed.visibility, sensitive=parsed.sensitive or author.sensitized_at is not None,
        summary=parsed.summary,
        content=parsed.content, language=parsed.language, content_map=parsed.content_map,
        summary_map=parsed.summary_map, published_at=parsed.published, conversation_id=conversation_id,
    ))
    if status is None or not created:
        return status  # stored meanwhile by another job
    if parsed.poll is not None:
        await store_remote_poll(session, status, parsed.poll)
    await enqueue_card(session, status)
    if parent is not None:
        await session.execute(update(Status).where(Status.id == parent.id)
                              .values(replies_count=Status.replies_count + 1))
    await _adopt_orphans(session, status)
    await store_remote_attachments(session, status, author, parsed.attachments)
    mentioned = await _store_mentions(session, status, parsed.mention_uris)
    await store_remote_parts(session, status, parsed.hashtags, parsed.emojis)
    if announce:
        blocking = await _blocking(session, [a.id for a in mentioned], author.id)
        for actor in mentioned:
            if actor.id not in blocking:
                await notify(session, actor, "mention", author, status.id)
        await add_to_home_timelines(session, status, mentioned_ids={a.id for a in mentioned})
    await index_post(session, status, author, participant_ids=[a.id for a in mentioned] if announce else ())
    return status


async def insert_status(session: AsyncSession, uri: str, make: Callable[[], Status]
                        ) -> tuple[Status | None, bool]:
    """Insert `make()` in a savepoint: (the row, True). If the URI was stored meanwhile:
    (that row, False). If the id was taken (ids made from a time carry random low bits),
    once more with a new one."""
    for _attempt in range(2):
        status = make()
        try:
            async with session.begin_nested():
                session.add(status)
            return status, True
        except IntegrityError:
            found = await status_by_uri(session, uri)
            if found is not None:
                return found, False
    return None, False


async def _blocking(session: AsyncSession, actor_ids: list[int], target_id: int) -> set[int]:
    """Which of these actors block `target_id`."""
    if not actor_ids:
        return set()
    return set((await session.scalars(select(Block.actor_id).where(
        Block.actor_id.in_(actor_ids), Block.target_id == target_id))).all())


async def _adopt_orphans(session: AsyncSession, status: Status) -> None:
    """Replies stored before their parent now point at it, unless that would close a loop (a
    post replying to itself, or to one of its own ancestors: A -> B -> A)."""
    orphans = set((await session.scalars(select(Status.id).where(
        Status.in_reply_to_uri == status.uri, Status.in_reply_to_id.is_(None),
        Status.id != status.id))).all())
    if orphans and status.in_reply_to_id is not None:
        orphans -= set((await session.scalars(select(thread_chain(status.id).c.id))).all())
    if not orphans:
        return
    await session.execute(update(Status).where(Status.id.in_(orphans)).values(in_reply_to_id=status.id)
                          .execution_options(synchronize_session=False))
    status.replies_count = (status.replies_count or 0) + len(orphans)


async def _store_mentions(session: AsyncSession, status: Status, uris: tuple[str, ...]) -> list[Actor]:
    """Mention rows for the mentioned actors we know (nothing is fetched for a mention)."""
    actors = await actors_by_uris(session, uris)
    for actor in actors:
        session.add(Mention(status_id=status.id, actor_id=actor.id))
    await session.flush()
    return [actor for actor in actors if actor.is_local]


def is_stale(updated: datetime | None, stored: datetime | None) -> bool:
    """Is a version dated `updated` older than the stored one dated `stored`? (An undated one is
    not; one of the same date applies, and is a no-op if nothing in it differs.)"""
    return updated is not None and stored is not None and updated < stored


async def apply_edit(session: AsyncSession, status: Status, parsed: RemoteStatus) -> bool:
    """Apply an Update: the previous version is kept as a StatusEdit. False if nothing changed
    or if it is older than the stored version (Updates can arrive out of order)."""
    if is_stale(parsed.updated, status.edited_at or status.published_at):
        return False
    author = await session.get(Actor, status.actor_id)
    media_changed = author is not None and await replace_remote_attachments(
        session, status, author, parsed.attachments)
    if (status.content, status.summary, status.sensitive, status.content_map or {}) == (
            parsed.content, parsed.summary, parsed.sensitive, parsed.content_map) and not media_changed:
        return False
    session.add(StatusEdit(status_id=status.id, summary=status.summary, content=status.content,
                           content_map=dict(status.content_map or {}), sensitive=status.sensitive))
    await _drop_old_edits(session, status.id)
    status.content, status.summary, status.sensitive = parsed.content, parsed.summary, parsed.sensitive
    if author is not None and author.sensitized_at is not None:
        status.sensitive = True  # a moderator marked this account's media sensitive
    status.content_map, status.summary_map = parsed.content_map, parsed.summary_map
    status.language = parsed.language
    status.edited_at = min(parsed.updated or utcnow(), utcnow())
    await refresh_card(session, status)
    await store_remote_parts(session, status, parsed.hashtags, parsed.emojis, replace=True)
    await session.flush()
    await notify_boosters_of_edit(session, status)
    return True


async def _drop_old_edits(session: AsyncSession, status_id: int) -> None:
    """A post keeps its newest MAX_EDITS earlier versions: a peer editing a post in a loop
    cannot grow its history without end."""
    await session.flush()
    kept = (select(StatusEdit.id).where(StatusEdit.status_id == status_id)
            .order_by(StatusEdit.id.desc()).limit(MAX_EDITS))  # ids are time-sortable
    await session.execute(delete(StatusEdit)
                          .where(StatusEdit.status_id == status_id, StatusEdit.id.not_in(kept))
                          .execution_options(synchronize_session=False))


async def tombstone(session: AsyncSession, uri: str, actor_uri: str | None, *, owner: bool = False) -> None:
    """Remember that `uri` was deleted by `actor_uri`, so that actor's late Create cannot bring
    it back. `owner`: the deleter is known to be its author; an earlier tombstone keyed to
    someone else is handed over."""
    found = await session.get(Tombstone, uri)
    if found is None:
        session.add(Tombstone(uri=uri, actor_uri=actor_uri))
    elif owner and found.actor_uri != actor_uri:
        found.actor_uri = actor_uri
    await session.flush()


async def add_to_home_timelines(session: AsyncSession, status: Status, *, mentioned_ids: set[int]) -> int:
    """Home timeline entries for the local members who get the status or boost
    (`actors.reading.home_membership`, with the rules for remote posts). Returns how many entries."""
    statement = home_timeline_statement(status, mentioned_ids=mentioned_ids, rules=REMOTE_POST)
    rows = (await session.execute(statement)).all()
    owners = home_timeline_pick(status, rows)
    if owners:
        await session.execute(insert(TimelineEntry), [{"id": new_id(), "owner_id": o, "status_id": status.id}
                                                     for o in sorted(owners)])
        # `asked_to_be_notified`, inline: the inbound flow stays out of `actors` when nobody asked
        asked = {row[0] for row in rows if row[2]} & owners
        if asked:
            await notify_subscribers(session, status, asked)
    return len(owners)


_TAG_NAME = re.compile(r"^#?(\w*[^\W\d]\w*)$")
_EMOJI_TYPES = ("image/png", "image/gif", "image/webp", "image/jpeg", "image/avif", "image/svg+xml")


def parse_hashtags(doc: dict[str, Any]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for tag in tags(doc):
        if len(found) == MAX_TAGS:
            break
        if type_of(tag) != "Hashtag":
            continue
        name = text(tag, "name").strip()
        match = _TAG_NAME.match(name) if len(name) <= MAX_TAG_CHARS + 1 else None  # the pattern backtracks
        if match:
            found.setdefault(match.group(1), None)
    return tuple(found)


def parse_emojis(doc: dict[str, Any]) -> tuple[RemoteEmoji, ...]:
    found: dict[str, RemoteEmoji] = {}
    for tag in tags(doc):
        if len(found) == MAX_EMOJIS:
            break
        if type_of(tag) != "Emoji":
            continue
        shortcode = text(tag, "name").strip().strip(":")
        icon = next((i for i in as_list(tag.get("icon")) if isinstance(i, dict)), None)
        url = media_url(id_of(icon.get("url"))) if icon else None
        if not SHORTCODE.match(shortcode) or url is None or shortcode in found:
            continue
        media_type = text(icon, "mediaType").lower()
        uri = id_of(tag)
        found[shortcode] = RemoteEmoji(
            shortcode=shortcode, uri=media_url(uri), image_url=url,
            content_type=media_type if media_type in _EMOJI_TYPES else "image/png",
            updated=parse_datetime(tag.get("updated")))
    return tuple(found.values())


async def store_remote_parts(session: AsyncSession, status: Status, hashtags: tuple[str, ...],
                             emojis: tuple[RemoteEmoji, ...], *, replace: bool = False) -> None:
    await set_status_tags(session, status.id, hashtags, replace=replace)
    rows = await upsert_remote(session, domain_of(status.uri), emojis)
    await set_status_emojis(session, status.id, [row.id for row in rows], replace=replace)
