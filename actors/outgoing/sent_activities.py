"""Activities this node sent, as other servers may fetch them again by id (`/activities/{id}`).

Announce, Like, Follow and Block are rendered from the rows that record them (a boost, a
favourite, a follow, a block) for as long as those rows exist: once undone, they are gone (404).
The others (Undo, Accept, Reject, profile Update) are read from the outbox row that was
delivered, and after `outbox_retention_days` from the compact copy pruning keeps
(`actors.outgoing.outbox_retention`). Creates are `…/statuses/{id}/activity`, served from the status.

Who may fetch which (the viewer is the signer of the GET; anonymous if unsigned):
- Announce: whoever may see both the boost and the boosted post (`actors.reading.visibility`);
- Like: whoever may see the liked post;
- Follow, Block: the two parties only;
- the Undo of a Like or Announce: as the Like or Announce was;
- the others, as addressed: anyone when addressed to the public; else the actors they are
  addressed to or are about (their object, its actor and object, the author of a post they are
  about), and the sender's followers when addressed to them. An activity about a post also
  needs that post to be visible to the viewer.
A refusal is the same 404 as an id that was never used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.outgoing import activities
from actors.reading.visibility import can_see
from federation.render import activity
from federation.vocab import PUBLIC_ALIASES, addressed, id_of, ids, type_of
from storage.models import ACCEPTED, Actor, Block, Favourite, Follow, KeptActivity, OutboxActivity, Status
from storage.queries import actor_by_uri

DERIVED = frozenset({"Announce", "Like", "Follow", "Block"})  # rendered from their rows only


@dataclass(frozen=True)
class Found:
    document: dict[str, Any]
    public: bool  # the same for everyone (caches may keep it)


async def find(session: AsyncSession, uri: str, viewer: Actor | None) -> Found | None:
    """The activity `uri` as `viewer` may see it, or None (unknown, undone, or not theirs to see)."""
    boost = await session.scalar(select(Status).where(Status.uri == uri, Status.reblog_of_id.is_not(None)))
    if boost is not None:
        return await _announce(session, boost, viewer)
    favourite = await session.scalar(select(Favourite).where(Favourite.uri == uri))
    if favourite is not None:
        return await _like(session, favourite, viewer)
    follow = await session.scalar(select(Follow).where(Follow.uri == uri))
    if follow is not None:
        return await _between(session, "Follow", uri, follow.follower_id, follow.followee_id, viewer)
    block = await session.scalar(select(Block).where(Block.uri == uri))
    if block is not None:
        return await _between(session, "Block", uri, block.actor_id, block.target_id, viewer)
    stored = await session.scalar(select(OutboxActivity.body).where(OutboxActivity.uri == uri))
    if stored is None:
        stored = await session.scalar(select(KeptActivity.body).where(KeptActivity.uri == uri))
    if not isinstance(stored, dict) or type_of(stored) in DERIVED:
        return None  # never sent, or an Announce/Like/Follow/Block undone since
    return await _as_addressed(session, stored, viewer)


async def _sender(session: AsyncSession, actor_id: int) -> Actor | None:
    """A local sender still in good standing (a suspended account's activities are gone)."""
    actor = await session.get(Actor, actor_id)
    return actor if actor is not None and actor.domain is None and actor.suspended_at is None else None


async def _announce(session: AsyncSession, boost: Status, viewer: Actor | None) -> Found | None:
    booster = await _sender(session, boost.actor_id)
    original = await session.get(Status, boost.reblog_of_id)
    author = None if original is None else await session.get(Actor, original.actor_id)
    if booster is None or original is None or author is None:
        return None
    if not (await can_see(session, viewer, boost) and await can_see(session, viewer, original)):
        return None
    return Found(activities.announce(boost, booster, original, author), boost.visibility == "public")


async def _like(session: AsyncSession, favourite: Favourite, viewer: Actor | None) -> Found | None:
    liker = await _sender(session, favourite.actor_id)
    status = await session.get(Status, favourite.status_id)
    if liker is None or status is None or not await can_see(session, viewer, status):
        return None
    return Found(activities.like(favourite, liker, status), status.visibility == "public")


async def _between(session: AsyncSession, kind: str, uri: str, sender_id: int, other_id: int,
                   viewer: Actor | None) -> Found | None:
    sender = await _sender(session, sender_id)
    other = await session.get(Actor, other_id)
    if sender is None or other is None or viewer is None or viewer.id not in (sender_id, other_id):
        return None
    return Found(activity(kind, id=uri, actor=sender.uri, obj=other.uri, to=[other.uri]), public=False)


def _about(doc: dict[str, Any]) -> set[str]:
    """The ids an activity is about: its object, and that object's actor and object."""
    found = set(ids(doc.get("object")))
    inner = doc.get("object")
    if isinstance(inner, dict):
        found.update(ids(inner.get("actor")) + ids(inner.get("object")))
    return found


async def _as_addressed(session: AsyncSession, doc: dict[str, Any], viewer: Actor | None) -> Found | None:
    about = _about(doc)
    statuses = list((await session.scalars(select(Status).where(Status.uri.in_(about)))).all())
    for status in statuses:
        if not await can_see(session, viewer, status):
            return None
    if statuses and type_of(doc.get("object")) in ("Like", "Announce"):  # an Undo: as what it undid
        return Found(doc, public=all(s.visibility == "public" for s in statuses))
    audience = addressed(doc)
    if audience & PUBLIC_ALIASES:
        return Found(doc, public=True)
    if viewer is None:
        return None
    authors = {a for a in (await session.scalars(select(Actor.uri).where(
        Actor.id.in_([s.actor_id for s in statuses])))).all()} if statuses else set()
    if viewer.uri in audience | about | authors:
        return Found(doc, public=False)
    sender = await actor_by_uri(session, id_of(doc.get("actor")), local=True)
    if sender is None or (sender.followers_url or f"{sender.uri}/followers") not in audience:
        return None
    return Found(doc, public=False) if await _follows(session, viewer.id, sender.id) else None


async def _follows(session: AsyncSession, follower_id: int, followee_id: int) -> bool:
    return bool(await session.scalar(select(exists().where(
        Follow.follower_id == follower_id, Follow.followee_id == followee_id, Follow.state == ACCEPTED))))
