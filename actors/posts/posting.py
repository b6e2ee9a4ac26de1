"""What a local account does to statuses: post, edit, delete (favourite and boost live in
`actors.posts.interactions` and are re-exported here, so callers import one module).

Each function writes its rows *and* the job that federates them in the caller's transaction
(`session`; the caller commits): one `actors.fanout` job for anything followers receive, or
one delivery for a single recipient (a Like). Nothing here grows with the follower count.
Favourites and boosts are idempotent, as Mastodon's: doing one twice is one row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.media import uploads
from actors.outgoing import activities
from actors.outgoing.fanout import enqueue_fanout
from actors.posts import cards, indexing, polls, post_content
from actors.posts.compose import plain_text_to_html
from actors.posts.interactions import (
    counter,
    favourite,
    reblog,
    reblog_of_and_author,
    require_local,
    unfavourite,
    unreblog,
)
from actors.posts.post_content import NOTHING, PreparedMentions
from actors.reading.notifications import notify_boosters_of_edit
from actors.reading.visibility import can_see
from federation.sanitize import clean_html, plain_text
from federation.services import Services
from federation.urls import status_uri, status_url
from storage.config import NodeConfig
from storage.errors import Forbidden, Invalid
from storage.models import (
    VISIBILITIES,
    Actor,
    Favourite,
    Mention,
    Status,
    StatusEdit,
    TimelineEntry,
    Tombstone,
    User,
    utcnow,
)
from storage.models.base import new_id

__all__ = ["NewStatus", "create_status", "delete_status", "edit_status", "favourite",
           "prepare", "reblog", "unfavourite", "unreblog"]

MAX_SUMMARY_CHARS = 500


def _config(services_or_config: Services | NodeConfig) -> NodeConfig:
    return services_or_config.config if isinstance(services_or_config, Services) else services_or_config


def _content(config: NodeConfig, text: str | None, content_html: str | None, summary: str, *,
             has_media: bool = False) -> tuple[str, str, str]:
    """(sanitized HTML, source text, source type) of a new or edited status."""
    if (text is None) == (content_html is None):
        raise Invalid("give the status as text or as HTML (one of them)")
    source = text if text is not None else content_html or ""
    if not source.strip() and not has_media:
        raise Invalid("a status needs some text")
    post_content.check_length(config, source, summary)
    if text is not None:
        return plain_text_to_html(text), text, "text/plain"
    return clean_html(source), source, "text/html"


async def _set_mentions(session: AsyncSession, status_id: int, mentions: Sequence[Actor]) -> None:
    wanted = {m.id for m in mentions}
    await session.execute(sql_delete(Mention).where(Mention.status_id == status_id,
                                                    Mention.actor_id.not_in(wanted)))
    present = set((await session.scalars(
        select(Mention.actor_id).where(Mention.status_id == status_id))).all())
    session.add_all(Mention(status_id=status_id, actor_id=actor_id)
                    for actor_id in sorted(wanted - present))


@dataclass(frozen=True)
class NewStatus:
    """A post as a member asks for it. None means the member's own default: `visibility` their
    default privacy, `sensitive` their default for posts with media, `language` and
    `content_type` their defaults."""

    text: str | None = None  # composed in `content_type` (text/plain or text/markdown)
    content_html: str | None = None  # already HTML (sanitized): imports and tests
    visibility: str | None = None
    local_only: bool = False
    sensitive: bool | None = None
    summary: str = ""  # the content warning
    language: str | None = None
    in_reply_to_id: int | None = None
    mentions: Sequence[Actor] = ()  # besides those found in the text
    media_ids: Sequence[int | str] = ()  # the author's unattached uploads
    poll: polls.PollSpec | None = None  # not with media
    content_type: str | None = None
    content_map: Mapping[str, str] = field(default_factory=dict)  # other language versions
    summary_map: Mapping[str, str] = field(default_factory=dict)
    application_id: int | None = None  # the app it was posted from (the status's `application`)


async def prepare(services: Services, author: Actor, new: NewStatus) -> PreparedMentions:
    """The remote mentions of `new`, resolved before the write transaction (WebFinger can take
    seconds): pass the result to `create_status`."""
    if new.text is None:
        return NOTHING
    fmt = new.content_type
    if fmt is None:
        async with services.sessions() as session:
            fmt = await post_content.default_format(session, author)
    return await post_content.prepare_mentions(
        services, [(text, fmt) for text in (new.text, *new.content_map.values()) if text])


async def create_status(session: AsyncSession, services_or_config: Services | NodeConfig, author: Actor,
                        new: NewStatus, *, prepared: PreparedMentions = NOTHING) -> Status:
    """Post a status: its row, its mentions, the author's own timeline entry, one fan-out job."""
    config = _config(services_or_config)
    require_local(author)
    visibility, sensitive = await _member_defaults(session, author, new)
    if visibility not in VISIBILITIES:
        raise Invalid(f"visibility must be one of: {', '.join(VISIBILITIES)}")
    poll = None if new.poll is None else polls.checked_spec(config.limits, new.poll)
    in_reply_to = await _reply_target(session, author, new.in_reply_to_id)
    attachments = await uploads.for_new_status(session, config, author, new.media_ids)
    mentions, summary, language = list(new.mentions), new.summary, new.language
    built = None
    if new.text is not None and new.content_html is None:
        built = await post_content.build(
            session, config, author, text=new.text, content_type=new.content_type, language=language,
            content_map=new.content_map, summary=summary, summary_map=new.summary_map, prepared=prepared,
            allow_empty=bool(attachments))
        mentions += built.mentioned
        content, source, source_type, summary, language = (
            built.content, built.source_text, built.source_type, built.summary, built.language)
    else:
        summary = plain_text(summary, limit=MAX_SUMMARY_CHARS)
        content, source, source_type = _content(config, new.text, new.content_html, summary,
                                                has_media=bool(attachments))
        language = language or await post_content.default_language(session, author)
    status_id = new_id()
    status = Status(
        id=status_id, uri=status_uri(config.base_url, author.username, status_id),
        url=status_url(config.base_url, author.username, status_id), actor_id=author.id, local=True,
        visibility=visibility, local_only=new.local_only,
        sensitive=sensitive or bool(summary) or (author.sensitized_at is not None and bool(new.media_ids)),
        summary=summary, content=content, language=language, source_text=source, source_type=source_type,
        content_map=built.content_map if built else {}, summary_map=built.summary_map if built else {},
        source_map=built.source_map if built else None,
        in_reply_to_id=None if in_reply_to is None else in_reply_to.id,
        in_reply_to_uri=None if in_reply_to is None else in_reply_to.uri, published_at=utcnow(),
        application_id=new.application_id,
        conversation_id=indexing.conversation_for_local(session, in_reply_to))
    session.add(status)
    await session.flush()
    await _set_mentions(session, status.id, mentions)
    uploads.attach(attachments, status.id)
    if built is not None:
        await post_content.store_parts(session, status.id, built)
    await indexing.index_post(session, status, author,
                              participant_ids=[author.id, *(m.id for m in mentions if m.is_local)])
    session.add(TimelineEntry(owner_id=author.id, status_id=status.id))
    if in_reply_to is not None:
        await counter(session, in_reply_to, "replies_count", +1)
    if poll is not None:
        await polls.attach_poll(session, status, poll)
    await cards.enqueue_card(session, status)
    await enqueue_fanout(session, {"verb": "create", "status_id": status.id})
    await session.flush()
    return status


async def _member_defaults(session: AsyncSession, author: Actor, new: NewStatus) -> tuple[str, bool]:
    """(visibility, sensitive): what `new` says, else the member's defaults."""
    if new.visibility is not None and new.sensitive is not None:
        return new.visibility, new.sensitive
    user = await session.scalar(select(User).where(User.actor_id == author.id))
    visibility = new.visibility or (user.default_privacy if user is not None else "public")
    if new.sensitive is not None:
        return visibility, new.sensitive
    return visibility, bool(user is not None and user.default_sensitive and new.media_ids)


async def _reply_target(session: AsyncSession, author: Actor, status_id: int | None) -> Status | None:
    """The status replied to; a hidden one answers as a missing one (no existence oracle)."""
    if status_id is None:
        return None
    status = await session.get(Status, status_id)
    if status is None or not await can_see(session, author, status):
        raise Invalid("The post you are trying to reply to does not appear to exist.")
    return status


def _require_own_post(author: Actor, status: Status) -> None:
    require_local(author)
    if status.actor_id != author.id or not status.local:
        raise Forbidden("only its author can change a status")


async def edit_status(session: AsyncSession, services_or_config: Services | NodeConfig, author: Actor,
                      status: Status, *, text: str | None = None, content_html: str | None = None,
                      sensitive: bool | None = None, summary: str | None = None,
                      language: str | None = None, mentions: Sequence[Actor] | None = None,
                      media_ids: Sequence[int | str] | None = None,
                      media_changes: Sequence[uploads.MediaChange] = (),
                      poll: polls.PollSpec | None = None, remove_poll: bool = False,
                      content_type: str | None = None, content_map: Mapping[str, str] | None = None,
                      summary_map: Mapping[str, str] | None = None,
                      prepared: PreparedMentions = NOTHING) -> Status:
    """Edit a status: the previous version kept as a StatusEdit, an Update fanned out.

    Text is composed again, as in `create_status`; `content_map=None` keeps the other language
    versions (composed again from their sources), `{}` removes them. `media_ids` (None:
    unchanged) is the new list of attachments; `media_changes` their new descriptions and focal
    points. `poll` sets or changes its poll, `remove_poll` removes it; by default it stays."""
    config = _config(services_or_config)
    _require_own_post(author, status)
    if status.reblog_of_id is not None:
        raise Invalid("a boost cannot be edited")
    new_summary = status.summary if summary is None else plain_text(summary, limit=MAX_SUMMARY_CHARS)
    attachments = await uploads.change_status_media(session, config, author, status.id, media_ids,
                                                  media_changes)
    built = None
    if text is not None and content_html is None:
        built = await post_content.build(
            session, config, author, text=text, content_type=content_type or status.source_type,
            language=language or status.language,
            content_map=(status.source_map or {}) if content_map is None else content_map,
            summary=new_summary, summary_map=summary_map or {}, prepared=prepared,
            allow_empty=bool(attachments))
        content, source, source_type = built.content, built.source_text, built.source_type
        mentions = [*(mentions or ()), *built.mentioned]
    else:
        content, source, source_type = _content(config, text, content_html, new_summary,
                                                has_media=bool(attachments))
    session.add(StatusEdit(status_id=status.id, summary=status.summary, content=status.content,
                           content_map=dict(status.content_map or {}), sensitive=status.sensitive))
    status.content, status.source_text, status.source_type = content, source, source_type
    status.summary = new_summary
    if built is not None:
        status.content_map, status.summary_map, status.source_map = (
            built.content_map, built.summary_map, built.source_map)
        await post_content.store_parts(session, status.id, built, replace=True)
    status.sensitive = ((status.sensitive if sensitive is None else sensitive) or bool(new_summary)
                        or (author.sensitized_at is not None and bool(attachments)))
    if language is not None:
        status.language = language
    status.edited_at = utcnow()
    if mentions is not None:
        await _set_mentions(session, status.id, mentions)
    await polls.edit_poll(session, config.limits, status, poll, remove=remove_poll)
    await cards.refresh_card(session, status)
    await enqueue_fanout(session, {"verb": "update", "status_id": status.id,
                                   "activity_id": f"{status.uri}#updates/{new_id()}"})
    await session.flush()
    await notify_boosters_of_edit(session, status)
    return status


async def delete_status(session: AsyncSession, services_or_config: Services | NodeConfig, author: Actor,
                        status: Status) -> None:
    """Delete a status: a Tombstone, the row (and what hangs off it), Delete to those who got it.

    A boost is un-boosted instead (Undo(Announce)).
    """
    _require_own_post(author, status)
    if status.reblog_of_id is not None:
        original, _ = await reblog_of_and_author(session, status)
        await unreblog(session, services_or_config, author, original)
        return
    mentioned = list((await session.scalars(
        select(Actor).join(Mention, Mention.actor_id == Actor.id).where(Mention.status_id == status.id)
    )).all())
    reached = await _reached_remote_actors(session, status.id)
    rendered = activities.delete(status, author, mentioned)
    if status.in_reply_to_id is not None:
        parent = await session.get(Status, status.in_reply_to_id)
        if parent is not None:
            await counter(session, parent, "replies_count", -1)
    if await session.get(Tombstone, status.uri) is None:
        session.add(Tombstone(uri=status.uri, actor_uri=author.uri))
    await session.execute(sql_delete(Status).where(Status.id == status.id))
    if status in session:
        session.expunge(status)
    if not status.local_only:
        await enqueue_fanout(session, {
            "verb": "delete", "status_id": status.id, "author_id": author.id,
            "visibility": status.visibility, "local_only": False, "activity": rendered,
            "actor_ids": sorted({m.id for m in mentioned} | reached)})
    await session.flush()


async def _reached_remote_actors(session: AsyncSession, status_id: int) -> set[int]:
    """Remote actors who boosted, favourited or replied to a status: they hold a copy too."""
    boosted = select(Status.actor_id).where(Status.reblog_of_id == status_id)
    replied = select(Status.actor_id).where(Status.in_reply_to_id == status_id)
    favourited = select(Favourite.actor_id).where(Favourite.status_id == status_id)
    ids = boosted.union(replied, favourited).subquery()
    rows = await session.scalars(select(Actor.id).where(Actor.id.in_(select(ids)),
                                                        Actor.domain.is_not(None)))
    return set(rows.all())
