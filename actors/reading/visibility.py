"""Who may see a status: the one rule behind the API, web pages, ActivityPub GETs and listings.

The rule, for a status and a viewer (anonymous, a member of this node, or a remote actor
that signed its GET):
- nobody sees the posts of a suspended account;
- a local-only post is seen by members of this node only: never by anonymous readers, never
  by other servers (it is federated to nobody);
- the author sees their own posts; an author who blocks the viewer hides all of them;
- public and unlisted posts are seen by anyone else; followers-only ones by accepted followers
  and mentioned actors; direct ones by mentioned actors only.

It is written once, as SQL (`visible_to`), so lists filter in the database; `can_see` asks the
database the same question about one row, so the two forms cannot drift apart. Listings may
narrow further (public timelines hold public posts only, the outbox public and unlisted), never
widen. Answers for statuses the viewer may not see must be those for ids that never existed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ACCEPTED, Actor, Block, Follow, Mention, Status

OPEN = ("public", "unlisted")  # seen by anyone the author does not block


@dataclass(frozen=True)
class Viewer:
    """Who asks. `id` None is anonymous; `member` is a signed-in member of this node (an API
    token, a browser session), the only kind that sees local-only posts. `id` may be a bound
    parameter in prepared statements."""

    id: Any
    member: bool

    @classmethod
    def of(cls, actor: Actor | None) -> Viewer:
        """The viewer an actor is: a member if local, a remote viewer otherwise."""
        return ANONYMOUS if actor is None else cls(actor.id, actor.domain is None)

    @classmethod
    def member_or_anonymous(cls, actor_id: Any) -> Viewer:
        """For the client API, whose viewers are members (or nobody)."""
        return ANONYMOUS if actor_id is None else cls(actor_id, True)


ANONYMOUS = Viewer(None, False)


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """The rule as a WHERE clause on `Status`."""
    status = Status
    author_ok = ~exists().where(Actor.id == status.actor_id, Actor.suspended_at.is_not(None))  # a key probe
    reach = true() if viewer.member else status.local_only.is_(False)
    if viewer.id is None:
        return and_(author_ok, reach, status.visibility.in_(OPEN))
    not_blocked = ~exists().where(Block.actor_id == status.actor_id, Block.target_id == viewer.id)
    mentioned = exists().where(Mention.status_id == status.id, Mention.actor_id == viewer.id)
    follows = exists().where(Follow.follower_id == viewer.id, Follow.followee_id == status.actor_id,
                             Follow.state == ACCEPTED)
    audience = or_(status.visibility.in_(OPEN), mentioned, and_(status.visibility == "private", follows))
    return and_(author_ok, reach, or_(status.actor_id == viewer.id, and_(not_blocked, audience)))


async def can_see(session: AsyncSession, viewer: Actor | Viewer | None, status: Status) -> bool:
    """May `viewer` (an actor, local or remote; None: anonymous) see `status`?"""
    who = viewer if isinstance(viewer, Viewer) else Viewer.of(viewer)
    found = await session.scalar(select(Status.id).where(Status.id == status.id, visible_to(who)))
    return found is not None


async def visible_ids(session: AsyncSession, viewer: Actor | Viewer | None, ids: list[int]) -> set[int]:
    """Which of `ids` the viewer may see (one query)."""
    if not ids:
        return set()
    who = viewer if isinstance(viewer, Viewer) else Viewer.of(viewer)
    return set((await session.scalars(select(Status.id).where(Status.id.in_(ids), visible_to(who)))).all())
