"""Who gets a status in their home timeline: the one rule for local posts (the `actors.fanout`
job) and remote ones (`inbox.apply`, on receipt).

- The author's accepted local followers get it; a direct status reaches only the followers it
  mentions. A follower who chose languages (`actors.social.follow_languages`) gets a post only in one
  of them; boosts and direct statuses carry no language for this.
- A boost skips the followers who hid the booster's boosts.
- A follower who blocks the author gets nothing.
- A follower who put the author (the booster, for a boost) in an exclusive list gets nothing:
  the post is read in that list instead (`exclusive_listed`; the home feed applies it when
  read too, so earlier posts leave at once).
- Members who follow one of a public post's tags get it (not a boost), as Mastodon's hashtag
  fan-out: a follow of the tag is no follow of the author, so languages are not asked; nor
  from an author on a silenced domain (as the tag timeline leaves those out).

The two paths differ in a few facts, kept as they were and named by `HomeRules`:

| fact                                         | `LOCAL_POST` | `REMOTE_POST` |
|----------------------------------------------|--------------|---------------|
| a block by the author keeps a member out too | yes          | no            |
| suspended members get nothing                | yes          | no (not checked) |
| mentioned members get it without following   | yes (not a boost) | no       |
| a boost hides from the boosted author and across a block with them | yes | no |
| a block either way keeps a tag follower out | yes          | yes           |

Mutes are not applied here: the home feed filters them when it is read (`actors.reading.timelines`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CompoundSelect, Select, and_, exists, false, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.sql.elements import ColumnElement

from storage.models import (
    ACCEPTED,
    Actor,
    Block,
    DomainRule,
    Follow,
    FollowedTag,
    ListAccount,
    MemberList,
    Status,
    StatusTag,
)


@dataclass(frozen=True)
class HomeRules:
    """Where the local and the remote path differ (see the module's table)."""

    blocks_both_ways: bool
    skip_suspended: bool
    mentioned_members: bool
    boost_hidden_from_original_author: bool


LOCAL_POST = HomeRules(blocks_both_ways=True, skip_suspended=True, mentioned_members=True,
                       boost_hidden_from_original_author=True)
REMOTE_POST = HomeRules(blocks_both_ways=False, skip_suspended=False, mentioned_members=False,
                        boost_hidden_from_original_author=False)


def _blocked(member: InstrumentedAttribute[int], author: int | ColumnElement[int], *, both_ways: bool
             ) -> ColumnElement[bool]:
    by_member = and_(Block.actor_id == member, Block.target_id == author)
    if not both_ways:
        return exists().where(by_member)
    return exists().where(or_(by_member, and_(Block.actor_id == author, Block.target_id == member)))


def exclusive_listed(owner: Any, author: Any) -> ColumnElement[bool]:
    """`owner` has `author` in one of their exclusive lists (columns, ids or parameters)."""
    return exists().where(ListAccount.account_id == author, ListAccount.list_id == MemberList.id,
                          MemberList.actor_id == owner, MemberList.exclusive.is_(True))


def home_timeline_statement(status: Status, *, mentioned_ids: Collection[int], rules: HomeRules
                            ) -> CompoundSelect[Any] | Select[int, list[str] | None, bool]:
    """Rows `(member id, languages the member follows the author in, whether they asked to be
    notified of the author's posts)` of the candidates; run it and pass the rows to
    `home_timeline_pick` and `asked_to_be_notified` (the inbox does so itself, so the inbound
    flow enters this module without awaiting in it)."""
    author_id = status.actor_id
    boost = status.reblog_of_id is not None
    followers = (
        select(Follow.follower_id, Follow.languages, Follow.notify)
        .join(Actor, Actor.id == Follow.follower_id)
        .where(Follow.followee_id == author_id, Follow.state == ACCEPTED, Actor.domain.is_(None),
               Follow.follower_id != author_id, ~exclusive_listed(Follow.follower_id, author_id))
        .where(~_blocked(Follow.follower_id, author_id, both_ways=rules.blocks_both_ways)))
    if rules.skip_suspended:
        followers = followers.where(Actor.suspended_at.is_(None))
    if status.visibility == "direct":
        followers = followers.where(Follow.follower_id.in_(set(mentioned_ids) or {0}))
    if boost:
        followers = followers.where(Follow.show_reblogs.is_(True))
        if rules.boost_hidden_from_original_author:  # not to the boosted author, nor across a block
            original_author = (select(Status.actor_id).where(Status.id == status.reblog_of_id)
                               .scalar_subquery())
            followers = followers.where(Follow.follower_id != original_author,
                                        ~_blocked(Follow.follower_id, original_author, both_ways=True))
        return followers
    parts: list[Any] = [followers]
    if status.visibility == "public":
        parts.append(_tag_followers(status, rules))
    if rules.mentioned_members and mentioned_ids:
        # mentioned members, in whatever language (a null language choice takes every language)
        named = select(Actor.id, null(), false()).where(
            Actor.id.in_(set(mentioned_ids)), Actor.domain.is_(None), Actor.id != author_id,
            ~_blocked(Actor.id, author_id, both_ways=rules.blocks_both_ways))
        if rules.skip_suspended:
            named = named.where(Actor.suspended_at.is_(None))
        parts.append(named)
    return union_all(*parts) if len(parts) > 1 else followers


def _silenced(author_id: int) -> ColumnElement[bool]:
    """The author's domain, or a domain above it, is silenced."""
    author = aliased(Actor, name="tagged_author")
    same_or_below = or_(author.domain == DomainRule.domain, author.domain.like("%." + DomainRule.domain))
    return exists().where(author.id == author_id, author.domain.is_not(None), DomainRule.policy == "silence",
                          same_or_below)


def _tag_followers(status: Status, rules: HomeRules) -> Select[int, None, bool]:
    """Local members who follow one of the post's tags (any language: a null choice)."""
    query = (select(FollowedTag.actor_id, null(), false())
             .join(StatusTag, StatusTag.tag_id == FollowedTag.tag_id)
             .join(Actor, Actor.id == FollowedTag.actor_id)
             .where(StatusTag.status_id == status.id, Actor.domain.is_(None), Actor.id != status.actor_id,
                    ~_blocked(FollowedTag.actor_id, status.actor_id, both_ways=True),
                    ~_silenced(status.actor_id)))
    if rules.skip_suspended:
        query = query.where(Actor.suspended_at.is_(None))
    return query


def home_timeline_pick(status: Status, rows: Iterable[Any]) -> set[int]:
    """The members among `home_timeline_statement`'s rows who get the status: those who chose
    languages get a post only in one of them (boosts and direct statuses carry none here)."""
    boost = status.reblog_of_id is not None
    languages = frozenset() if boost or status.visibility == "direct" else status_languages(status)
    return {row[0] for row in rows if wants(row[1], languages)}


def asked_to_be_notified(rows: Iterable[Any], owners: Collection[int]) -> set[int]:
    """The owners among `home_timeline_statement`'s rows who follow the author with `notify` on."""
    return {row[0] for row in rows if row[2] and row[0] in owners}


async def home_timeline_owners(session: AsyncSession, status: Status, *, mentioned_ids: Collection[int],
                               rules: HomeRules) -> set[int]:
    """The local members whose home timeline gets `status` (a post or a boost)."""
    statement = home_timeline_statement(status, mentioned_ids=mentioned_ids, rules=rules)
    return home_timeline_pick(status, (await session.execute(statement)).all())


def status_languages(status: Status) -> frozenset[str]:
    """The languages a post is written in: its primary one and its other versions'."""
    found = {status.language, *(status.content_map or {})}
    return frozenset(lang.lower() for lang in found if lang)


def wants(chosen: Collection[str] | None, languages: Collection[str]) -> bool:
    """Whether a follower who chose `chosen` gets a post in `languages` (`pt` takes `pt-br`)."""
    if not chosen or not languages:
        return True
    return any(lang.split("-", 1)[0] in chosen for lang in languages)
