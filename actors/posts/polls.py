"""Polls of local posts, and votes by local accounts (on local or remote polls).

A post with a poll is a `Question` (rendered by `federation.question`). The poll's counts live
in its row (`options[i]["votes"]`, `votes_count`, `voters_count`); for a local poll they are
recounted from `poll_votes` under a lock on the poll row, so concurrent votes never lose one.
A remote poll's counts come from its server (`inbox.apply.polls`); a local vote on it adds
itself to them until the next `Update(Question)` brings the server's numbers.

Everything runs in the caller's transaction, like posting: rows and jobs commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts import poll_jobs
from actors.posts.interactions import require_local
from actors.reading.visibility import can_see
from federation.delivery.job import deliver
from federation.question import has_ended, vote_create, vote_id
from storage.config import Limits
from storage.errors import Invalid, NotFound
from storage.models import Actor, MediaAttachment, Poll, PollVote, Status, utcnow

# Mastodon's wording (polls.errors in its en.yml), as apps show or match it.
ALREADY_VOTED = "Validation failed: You have already voted on this poll"
INVALID_CHOICE = "Validation failed: The chosen vote option does not exist"
SELF_VOTE = "Validation failed: You cannot vote in your own polls"
EXPIRED = "Validation failed: The poll has already ended"


@dataclass(frozen=True)
class PollSpec:
    """A poll as a member asks for it (Mastodon's `poll[options][]`, `poll[expires_in]`, …)."""

    options: Sequence[str]
    expires_in: int  # seconds from now
    multiple: bool = False
    hide_totals: bool = False  # vote counts hidden until the poll ends


def api_limits(limits: Limits) -> dict[str, int]:
    """The poll limits as Mastodon's instance `configuration.polls` reports them."""
    return {"max_options": limits.poll_max_options,
            "max_characters_per_option": limits.poll_max_option_chars,
            "min_expiration": limits.poll_min_expiration, "max_expiration": limits.poll_max_expiration}


def _duration(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400} days"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} hours"
    if seconds % 60 == 0:
        return f"{seconds // 60} minutes"
    return f"{seconds} seconds"


def checked_spec(limits: Limits, spec: PollSpec) -> PollSpec:
    """The spec with its options trimmed, or `Invalid` saying what to change."""
    if isinstance(spec.options, str) or not isinstance(spec.options, Sequence):
        raise Invalid("poll options must be a list of texts")
    options = [option.strip() if isinstance(option, str) else None for option in spec.options]
    if any(option is None for option in options):
        raise Invalid("poll options must be texts")
    titles = [o for o in options if o is not None]
    if any(not title for title in titles):
        raise Invalid("a poll option cannot be empty")
    if len(titles) < 2:
        raise Invalid("a poll needs at least 2 options")
    if len(titles) > limits.poll_max_options:
        raise Invalid(f"a poll has at most {limits.poll_max_options} options")
    if any(len(title) > limits.poll_max_option_chars for title in titles):
        raise Invalid(f"each poll option is at most {limits.poll_max_option_chars} characters")
    if len(set(titles)) != len(titles):
        raise Invalid("poll options must all be different")
    expires_in = spec.expires_in
    if isinstance(expires_in, bool) or not isinstance(expires_in, int):
        raise Invalid("poll duration (expires_in) must be a whole number of seconds")
    if expires_in < limits.poll_min_expiration:
        raise Invalid(f"a poll must last at least {_duration(limits.poll_min_expiration)}")
    if expires_in > limits.poll_max_expiration:
        raise Invalid(f"a poll can last at most {_duration(limits.poll_max_expiration)}")
    return PollSpec(tuple(titles), expires_in, bool(spec.multiple), bool(spec.hide_totals))


async def _refuse_with_media(session: AsyncSession, status_id: int) -> None:
    if await session.scalar(select(exists().where(MediaAttachment.status_id == status_id))):
        raise Invalid("a post cannot have both a poll and media attachments: remove one of them")


async def attach_poll(session: AsyncSession, status: Status, spec: PollSpec) -> Poll:
    """Give a new local status its poll (`spec` from `checked_spec`); it becomes a Question."""
    await _refuse_with_media(session, status.id)
    poll = Poll(status_id=status.id, multiple=spec.multiple, hide_totals=spec.hide_totals,
                options=[{"title": title, "votes": 0} for title in spec.options],
                expires_at=utcnow() + timedelta(seconds=spec.expires_in), voters_count=0, votes_count=0)
    session.add(poll)
    status.object_type = "Question"
    await session.flush()
    await poll_jobs.schedule_expiry(session, poll)
    return poll


async def poll_of(session: AsyncSession, status_id: int) -> Poll | None:
    return await session.scalar(select(Poll).where(Poll.status_id == status_id))


async def edit_poll(session: AsyncSession, limits: Limits, status: Status, spec: PollSpec | None, *,
                    remove: bool = False) -> Poll | None:
    """A local status's poll after an edit: removed, added, or changed.

    Changing the options or single/multiple choice clears the votes (they no longer mean
    what they meant), as Mastodon does; the duration counts again from now.
    """
    poll = await poll_of(session, status.id)
    if remove:
        if poll is not None:
            await session.delete(poll)
            status.object_type = "Note"
            await session.flush()
        return None
    if spec is None:
        if poll is not None:  # the poll stays: media cannot join it
            await _refuse_with_media(session, status.id)
        return poll
    spec = checked_spec(limits, spec)
    if poll is None:
        return await attach_poll(session, status, spec)
    await _refuse_with_media(session, status.id)
    titles = [option["title"] for option in poll.options]
    if titles != list(spec.options) or poll.multiple != spec.multiple:
        await session.execute(delete(PollVote).where(PollVote.poll_id == poll.id))
        poll.options = [{"title": title, "votes": 0} for title in spec.options]
        poll.votes_count = poll.voters_count = 0
    poll.multiple, poll.hide_totals = spec.multiple, spec.hide_totals
    poll.expires_at = utcnow() + timedelta(seconds=spec.expires_in)
    poll.closed_at = None
    await session.flush()
    await poll_jobs.schedule_expiry(session, poll)
    return poll


async def lock_poll(session: AsyncSession, status_id: int) -> Poll:
    """The status's poll, locked for this transaction: votes on one poll are counted in turn.

    An UPDATE is the lock on both engines (a row lock on PostgreSQL, the write lock on
    SQLite), so the counts read after it include every vote committed before.
    """
    poll_id = await session.scalar(update(Poll).where(Poll.status_id == status_id)
                                   .values(updated_at=utcnow()).returning(Poll.id)
                                   .execution_options(synchronize_session=False))
    if poll_id is None:
        raise NotFound("this status has no poll")
    poll = await session.get(Poll, poll_id, populate_existing=True)
    assert poll is not None
    return poll


async def recount(session: AsyncSession, poll: Poll) -> None:
    """Counts of a local poll from its votes (call with the poll locked)."""
    per_choice: dict[int, int] = {choice: n for choice, n in (await session.execute(
        select(PollVote.choice, func.count()).where(PollVote.poll_id == poll.id)
        .group_by(PollVote.choice))).all()}
    voters = await session.scalar(select(func.count(func.distinct(PollVote.actor_id)))
                                  .where(PollVote.poll_id == poll.id))
    poll.options = [{**option, "votes": int(per_choice.get(index, 0))}
                    for index, option in enumerate(poll.options)]
    poll.votes_count = sum(int(n) for n in per_choice.values())
    poll.voters_count = int(voters or 0)
    await session.flush()


def _choices(poll: Poll, choices: Sequence[int]) -> list[int]:
    picked = list(choices)
    if not picked:
        raise Invalid("choose at least one option")
    if any(isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < len(poll.options) for c in picked):
        raise Invalid(INVALID_CHOICE)
    if len(set(picked)) != len(picked):
        raise Invalid("each option can be chosen once")
    if not poll.multiple and len(picked) > 1:
        raise Invalid("this poll allows one choice only")
    return picked


async def vote(session: AsyncSession, voter: Actor, status: Status, choices: Sequence[int]) -> Poll:
    """A local account votes (Mastodon's rules: once, before the end, never in one's own poll).

    On a local poll the counts are recounted and an Update is scheduled for other servers; on
    a remote poll each choice goes to the poll's author as a Create(Note), and is counted here
    at once so the member sees it.
    """
    require_local(voter)
    poll = await lock_poll(session, status.id)  # first: on SQLite this takes the write lock early
    if not await can_see(session, voter, status):
        raise NotFound("the poll does not exist or is not visible")
    if voter.id == status.actor_id:
        raise Invalid(SELF_VOTE)
    if has_ended(poll):
        raise Invalid(EXPIRED)
    picked = _choices(poll, choices)
    if await session.scalar(select(exists().where(PollVote.poll_id == poll.id,
                                                  PollVote.actor_id == voter.id))):
        raise Invalid(ALREADY_VOTED)
    first_local_voter = not await session.scalar(select(exists().where(PollVote.poll_id == poll.id)))
    votes = [PollVote(poll_id=poll.id, actor_id=voter.id, choice=choice) for choice in picked]
    session.add_all(votes)
    await session.flush()
    if status.local:
        await recount(session, poll)
        await poll_jobs.schedule_update(session, poll)
        return poll
    await _send_votes(session, voter, status, poll, votes)
    if first_local_voter:  # a remote poll: someone here will want to hear that it ended
        await poll_jobs.schedule_expiry(session, poll)
    return poll


async def _send_votes(session: AsyncSession, voter: Actor, status: Status, poll: Poll,
                      votes: list[PollVote]) -> None:
    author = await session.get(Actor, status.actor_id)
    if author is None:
        raise NotFound("the poll's author is gone")
    options = [dict(option) for option in poll.options]
    for row in votes:
        row.uri = vote_id(voter.uri, row.id)
        options[row.choice]["votes"] = int(options[row.choice].get("votes", 0)) + 1
        activity = vote_create(voter_uri=voter.uri, vote_row_id=row.id,
                               option_name=options[row.choice]["title"], question_uri=status.uri,
                               poll_author_uri=author.uri)
        await deliver(session, voter, activity, [author.inbox_url])  # the author only, as Mastodon
    poll.options = options
    poll.votes_count += len(votes)
    poll.voters_count += 1
    await session.flush()


async def own_votes(session: AsyncSession, poll_id: int, actor_id: int) -> list[int]:
    """The choices an account made in a poll (for `own_votes` in the API)."""
    return sorted((await session.scalars(select(PollVote.choice).where(
        PollVote.poll_id == poll_id, PollVote.actor_id == actor_id))).all())
