"""The parts of a remote post besides its text: attachments and a poll (and votes on ours).

*Attachments* are stored as rows (metadata only), replaced on Update.

Nothing is fetched here. The rows keep the remote URL, so apps load the file from its server;
with the instance setting `cache_remote_media` on, a job copies each file here
(`actors.media.remote_cache`). A domain rule with `reject_media` on the author's domain (or on the
file's host) means no rows at all: the post's text is stored, its attachments are dropped,
so nothing from that domain is fetched, stored, or shown for apps to load.

*Polls* from other servers, and votes other servers send for our polls.

A remote `Question` is read into a `RemotePoll` (options sanitized to plain text, counts
bounded) and stored with its status; an `Update(Question)` replaces its counts. A vote is a
`Note` with a `name` (the option), `inReplyTo` one of our polls, and no content: it is counted
(never stored as a post) when its option exists, the poll runs, the voter has not already
chosen it (or anything, in a single-choice poll) and may see the poll.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.media import remote_cache
from actors.posts import poll_jobs
from actors.posts.polls import lock_poll, poll_of, recount
from actors.reading.visibility import can_see
from federation.attachments import RemoteAttachment
from federation.limits import MAX_POLL_OPTION_CHARS, MAX_POLL_OPTIONS
from federation.question import has_ended
from federation.sanitize import plain_text
from federation.urls import domain_or_none
from federation.vocab import as_list, id_of, parse_datetime, text, type_of
from storage.errors import Invalid
from storage.media_files import dimensions
from storage.models import Actor, MediaAttachment, Poll, PollVote, Status, utcnow
from storage.queries import media_rejected


async def store_remote_attachments(session: AsyncSession, status: Status, author: Actor,
                                   attachments: Sequence[RemoteAttachment]) -> list[MediaAttachment]:
    if not attachments:
        return []
    if await media_rejected(session, author.domain, *{domain_or_none(a.url) for a in attachments}):
        return []
    rows = [_row(status, author, position, a) for position, a in enumerate(attachments)]
    session.add_all(rows)
    await session.flush()
    await remote_cache.queue_cache(session, [row.id for row in rows])
    return rows


async def replace_remote_attachments(session: AsyncSession, status: Status, author: Actor,
                                     attachments: Sequence[RemoteAttachment]) -> bool:
    """An Update: the status's attachments become `attachments`; False if nothing changed.

    The old rows are detached (`amity media prune` removes them and their files); a file
    already cached for a URL that stays moves to the new row instead of being fetched again.
    """
    current = list((await session.scalars(
        select(MediaAttachment).where(MediaAttachment.status_id == status.id)
        .order_by(MediaAttachment.position, MediaAttachment.id))).all())
    if [_fingerprint_row(m) for m in current] == [_fingerprint(a) for a in attachments]:
        return False
    for row in current:
        row.status_id = None
    await session.flush()
    cached = {m.remote_url: m for m in current if m.file_key}
    for row in await store_remote_attachments(session, status, author, attachments):
        if row.remote_url in cached:
            _move_cache(cached.pop(row.remote_url), row)
    await session.flush()
    return True


def _row(status: Status, author: Actor, position: int, found: RemoteAttachment) -> MediaAttachment:
    meta: dict[str, Any] = {}
    if found.width and found.height:
        meta["original"] = dimensions(found.width, found.height)
    if found.kind in ("image", "video"):
        meta["focus"] = {"x": found.focus[0], "y": found.focus[1]}
    return MediaAttachment(
        actor_id=author.id, status_id=status.id, position=position, type=found.kind,
        content_type=found.media_type, remote_url=found.url, description=found.description,
        blurhash=found.blurhash, focus_x=found.focus[0], focus_y=found.focus[1], meta=meta)


def _move_cache(old: MediaAttachment, new: MediaAttachment) -> None:
    new.file_key, new.thumbnail_key, new.small_key = old.file_key, old.thumbnail_key, old.small_key
    new.file_size, new.cached_at, new.content_type = old.file_size, old.cached_at, old.content_type
    new.type, new.blurhash = old.type, old.blurhash or new.blurhash
    measured = {k: v for k, v in (old.meta or {}).items() if k != "focus"}  # ours, from the file
    new.meta = {**new.meta, **measured}
    old.file_key = old.thumbnail_key = old.small_key = None
    old.cached_at = None


def _fingerprint(found: RemoteAttachment) -> tuple[Any, ...]:
    return found.url, found.description, found.focus


def _fingerprint_row(row: MediaAttachment) -> tuple[Any, ...]:
    return row.remote_url, row.description, (row.focus_x, row.focus_y)


MAX_REMOTE_OPTIONS = MAX_POLL_OPTIONS
MAX_OPTION_CHARS = MAX_POLL_OPTION_CHARS
MAX_COUNT = 2**31 - 1  # the columns are 32-bit


@dataclass(frozen=True)
class RemotePoll:
    multiple: bool
    options: tuple[tuple[str, int], ...]  # (title, votes)
    expires_at: datetime | None
    voters_count: int | None


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return min(value, MAX_COUNT)


def parse_question(doc: dict[str, Any]) -> RemotePoll | None:
    """The poll of a `Question` (None if it has no usable option)."""
    multiple = not as_list(doc.get("oneOf")) and bool(as_list(doc.get("anyOf")))
    items = as_list(doc.get("anyOf") if multiple else doc.get("oneOf"))
    options: list[tuple[str, int]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        title = plain_text(text(item, "name"), limit=MAX_OPTION_CHARS)
        if not title:
            continue
        replies = item.get("replies")
        votes = _count(replies.get("totalItems")) if isinstance(replies, dict) else None
        options.append((title, votes or 0))
        if len(options) == MAX_REMOTE_OPTIONS:
            break
    if not options:
        return None
    closed = doc.get("closed")
    ends = [t for t in (parse_datetime(doc.get("endTime")), parse_datetime(closed)) if t is not None]
    if closed is True and not ends:
        ends.append(utcnow())
    return RemotePoll(multiple=multiple, options=tuple(options), expires_at=min(ends) if ends else None,
                      voters_count=_count(doc.get("votersCount")))


def _options(remote: RemotePoll) -> list[dict[str, Any]]:
    return [{"title": title, "votes": votes} for title, votes in remote.options]


def _voters(remote: RemotePoll, votes_count: int, known: int = 0) -> int:
    """`votersCount`, else the number of votes in a single-choice poll (one each), else `known`."""
    if remote.voters_count is not None:
        return remote.voters_count
    return known if remote.multiple else votes_count


async def store_remote_poll(session: AsyncSession, status: Status, remote: RemotePoll) -> Poll:
    options = _options(remote)
    votes = sum(o["votes"] for o in options)
    poll = Poll(status_id=status.id, multiple=remote.multiple, options=options, expires_at=remote.expires_at,
                votes_count=votes, voters_count=_voters(remote, votes))
    session.add(poll)
    await session.flush()
    return poll


async def refresh_remote_poll(session: AsyncSession, status: Status, remote: RemotePoll | None, *,
                              updated: datetime | None = None) -> None:
    """An Update of a remote post: its poll's counts (and options, end) as its server says.

    Changed options invalidate the votes members cast here, as on their server. An Update
    older than the stored edit (`updated` before `edited_at`) changes nothing.
    """
    if status.local or (status.edited_at and updated and updated < status.edited_at):
        return
    poll = await poll_of(session, status.id)
    if remote is None:
        if poll is not None:
            await session.delete(poll)
            await session.flush()
        return
    if poll is None:
        await store_remote_poll(session, status, remote)
        return
    options = _options(remote)
    titles = [o["title"] for o in options]
    if titles != [o["title"] for o in poll.options] or poll.multiple != remote.multiple:
        await session.execute(delete(PollVote).where(PollVote.poll_id == poll.id))
    moved = poll.expires_at != remote.expires_at
    poll.options, poll.multiple, poll.expires_at = options, remote.multiple, remote.expires_at
    poll.votes_count = sum(o["votes"] for o in options)
    poll.voters_count = _voters(remote, poll.votes_count, poll.voters_count)
    await session.flush()
    if moved and await session.scalar(select(exists().where(PollVote.poll_id == poll.id))):
        await poll_jobs.schedule_expiry(session, poll)


def looks_like_vote(obj: Any) -> bool:
    """A Note with a `name`, `inReplyTo` and no content: what Mastodon and others send as a vote."""
    return (isinstance(obj, dict) and type_of(obj) == "Note" and bool(text(obj, "name").strip())
            and not text(obj, "content").strip() and id_of(obj.get("inReplyTo")) is not None)


async def record_remote_vote(session: AsyncSession, status: Status, voter: Actor, *, name: str,
                             uri: str) -> PollVote | None:
    """Count a remote actor's vote on a local poll; None if this vote was counted already."""
    if not status.local:
        raise Invalid("votes are only taken for this server's polls")
    if not await can_see(session, voter, status):
        raise Invalid("the voter may not see this poll")
    poll = await lock_poll(session, status.id)
    if await session.scalar(select(exists().where(PollVote.uri == uri))):
        return None  # the same vote again
    if has_ended(poll):
        raise Invalid("the poll has ended")
    titles = [option["title"] for option in poll.options]
    if name not in titles:
        raise Invalid("the vote names no option of this poll")
    choice = titles.index(name)
    earlier = set((await session.scalars(select(PollVote.choice).where(
        PollVote.poll_id == poll.id, PollVote.actor_id == voter.id))).all())
    if choice in earlier or (earlier and not poll.multiple):
        raise Invalid("this actor has already voted in this poll")
    vote = PollVote(poll_id=poll.id, actor_id=voter.id, choice=choice, uri=uri)
    session.add(vote)
    await session.flush()
    await recount(session, poll)
    await poll_jobs.schedule_update(session, poll)
    return vote
