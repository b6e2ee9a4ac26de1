"""Which statuses a timeline holds for a viewer: the queries behind home, public, tag and
account timelines, bookmarks and favourites (ids only; the API renders them in bulk).

Every query is one SELECT with the viewer's filters as sub-selects, so a page costs the same
number of queries whatever its length:
- the viewer's blocks (either way), live mutes and hidden domains remove an author's posts and
  boosts of their posts (the viewer's own posts are never removed);
- domain rules: `suspend` removes a domain everywhere; `silence` removes it from public and
  tag timelines unless the viewer follows the author (as Mastodon's limited servers);
- suspended accounts' posts are gone everywhere;
- who may see a post at all is `actors.reading.visibility.visible_to` (API viewers are members); the
  home timeline holds what fan-out delivered, filtered by the same rule (an unfollow hides
  followers-only posts at once).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, not_, or_, select, true, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from actors.reading.home_membership import exclusive_listed
from actors.reading.visibility import Viewer, visible_to
from actors.social.muting import live_mute
from federation.domain_rules import DomainRules
from storage.models import (
    ACCEPTED,
    Actor,
    Block,
    Bookmark,
    Favourite,
    Follow,
    MediaAttachment,
    Mute,
    Pin,
    Status,
    StatusTag,
    Tag,
    TimelineEntry,
    UserDomainBlock,
)

Author = aliased(Actor, name="author")
Original = aliased(Status, name="original")
OriginalAuthor = aliased(Actor, name="original_author")


def _in_domains(column: Any, domains: Sequence[str]) -> ColumnElement[bool]:
    """`column` is one of `domains` or a subdomain of one (a rule covers its subdomains); false,
    never NULL, for local accounts (whose domain is NULL), so NOT(...) keeps them."""
    if not domains:
        return false()
    return and_(column.is_not(None), or_(column.in_(domains), *(column.like(f"%.{d}") for d in domains)))


def _base() -> Select[Any]:
    """Statuses with their author, and for boosts the boosted post and its author."""
    return (select(Status.id).join(Author, Author.id == Status.actor_id)
            .outerjoin(Original, Original.id == Status.reblog_of_id)
            .outerjoin(OriginalAuthor, OriginalAuthor.id == Original.actor_id))


def _hidden_authors(viewer_id: int) -> Any:
    """Accounts whose posts the viewer never sees: blocked, blocking the viewer, muted."""
    return union(select(Block.target_id).where(Block.actor_id == viewer_id),
                 select(Block.actor_id).where(Block.target_id == viewer_id),
                 select(Mute.target_id).where(Mute.actor_id == viewer_id, live_mute()))


def _not_hidden(actor: Any, viewer_id: int | None, rules: DomainRules, hidden: Any) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [actor.suspended_at.is_(None),
                                             not_(_in_domains(actor.domain, rules.suspended))]
    if viewer_id is not None:
        conditions.append(actor.id.not_in(select(hidden.c[0])))
        conditions.append(or_(actor.domain.is_(None), actor.domain.not_in(
            select(UserDomainBlock.domain).where(UserDomainBlock.actor_id == viewer_id))))
    return and_(*conditions)


def viewer_filters(viewer_id: int | None, rules: DomainRules, *, public: bool = False) -> ColumnElement[bool]:
    """The filters every timeline applies (see the module doc); `public` adds limited accounts
    and silenced domains (shown to their followers only)."""
    hidden = _hidden_authors(viewer_id).subquery() if viewer_id is not None else None
    author_ok = _not_hidden(Author, viewer_id, rules, hidden)
    original_ok = or_(Status.reblog_of_id.is_(None), _not_hidden(OriginalAuthor, viewer_id, rules, hidden))
    conditions = [author_ok, original_ok]
    if public:  # limited accounts and silenced domains: only their followers see them here
        silenced: ColumnElement[bool] = Author.silenced_at.is_not(None)
        if rules.silenced:
            silenced = or_(silenced, _in_domains(Author.domain, rules.silenced))
        if viewer_id is None:
            conditions.append(not_(silenced))
        else:
            conditions.append(or_(not_(silenced), _follows(viewer_id, Author.id)))
    if viewer_id is None:
        return and_(*conditions)
    return or_(Status.actor_id == viewer_id, and_(*conditions))


def filtered(viewer_id: int, rules: DomainRules) -> Select[Any]:
    """Status ids with the viewer's filters applied, for other lists (search) to narrow down."""
    return _base().where(viewer_filters(viewer_id, rules))


def _follows(viewer_id: int, author_id: Any) -> ColumnElement[bool]:
    return exists().where(Follow.follower_id == viewer_id, Follow.followee_id == author_id,
                          Follow.state == ACCEPTED)


def with_media() -> ColumnElement[bool]:
    target = func.coalesce(Status.reblog_of_id, Status.id)
    return exists().where(MediaAttachment.status_id == target)


def home(viewer_id: int, rules: DomainRules) -> Select[Any]:
    """The member's home feed (rows written by fan-out) plus their own posts."""
    mine = select(TimelineEntry.status_id).where(TimelineEntry.owner_id == viewer_id)
    return _base().where(or_(and_(Status.id.in_(mine), ~exclusive_listed(viewer_id, Status.actor_id)),
                             Status.actor_id == viewer_id),
                         viewer_filters(viewer_id, rules), _sees(viewer_id))


def _self_reply_or_root() -> ColumnElement[bool]:
    parent = aliased(Status, name="parent")
    return or_(Status.in_reply_to_id.is_(None) & Status.in_reply_to_uri.is_(None),
               exists().where(parent.id == Status.in_reply_to_id, parent.actor_id == Status.actor_id))


def public(viewer_id: int | None, rules: DomainRules, *, local: bool = False, remote: bool = False,
           only_media: bool = False) -> Select[Any]:
    """Public posts, not boosts, not replies to others (as Mastodon's public timelines)."""
    query = _base().where(Status.visibility == "public", Status.reblog_of_id.is_(None),
                          _self_reply_or_root(), _sees(viewer_id),
                          viewer_filters(viewer_id, rules, public=True))
    return _narrowed(query, local=local, remote=remote, only_media=only_media)


def _narrowed(query: Select[Any], *, local: bool, remote: bool, only_media: bool) -> Select[Any]:
    """The public and tag timelines' `local`, `remote` and `only_media` options."""
    if local:
        query = query.where(Status.local.is_(True))
    if remote:
        query = query.where(Status.local.is_(False))
    if only_media:
        query = query.where(with_media())
    return query


def _tagged(tag_ids: Sequence[int]) -> ColumnElement[bool]:
    return exists().where(StatusTag.status_id == Status.id, StatusTag.tag_id.in_(tag_ids))


async def tag_ids_by_name(session: AsyncSession, names: Sequence[str]) -> dict[str, int]:
    if not names:
        return {}
    return dict((await session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(list(set(names)))))).all())


def tagged(viewer_id: int | None, rules: DomainRules, *, any_of: Sequence[int],
           all_of: Sequence[Sequence[int]], none_of: Sequence[int], local: bool = False,
           remote: bool = False, only_media: bool = False) -> Select[Any]:
    """Public posts with one of `any_of`, each group of `all_of`, and none of `none_of`.

    A name that is not a tag yet has no id: an `any`/`all` group without ids matches nothing.
    """
    query = _base().where(Status.visibility == "public", Status.reblog_of_id.is_(None), _sees(viewer_id),
                          viewer_filters(viewer_id, rules, public=True),
                          _tagged(any_of) if any_of else false())
    for group in all_of:
        query = query.where(_tagged(group) if group else false())
    if none_of:
        query = query.where(not_(_tagged(none_of)))
    return _narrowed(query, local=local, remote=remote, only_media=only_media)


def _sees(viewer_id: int | None) -> ColumnElement[bool]:
    """`actors.reading.visibility.visible_to` for an API viewer (a member, or anonymous)."""
    return visible_to(Viewer.member_or_anonymous(viewer_id))


def account_statuses(viewer_id: int | None, rules: DomainRules, author_id: int, *, only_media: bool = False,
                     exclude_replies: bool = False, exclude_reblogs: bool = False, pinned: bool = False,
                     tag_ids: Sequence[int] | None = None) -> Select[Any]:
    """An account's posts and boosts as `viewer_id` may see them; `tag_ids=[]` (a tag that does
    not exist) matches nothing."""
    query = _base().where(Status.actor_id == author_id, _sees(viewer_id),
                          viewer_filters(viewer_id, rules) if viewer_id != author_id else true())
    if only_media:
        query = query.where(with_media())
    if exclude_replies:
        query = query.where(_self_reply_or_root())
    if exclude_reblogs:
        query = query.where(Status.reblog_of_id.is_(None))
    if pinned:
        query = query.where(exists().where(Pin.status_id == Status.id, Pin.actor_id == author_id))
    if tag_ids is not None:
        query = query.where(_tagged(tag_ids) if tag_ids else false())
    return query


def bookmarks(viewer_id: int) -> Any:
    """(bookmark id, status id): the list is ordered and paged by bookmark id, as Mastodon."""
    return (select(Bookmark.id, Bookmark.status_id).join(Status, Status.id == Bookmark.status_id)
            .where(Bookmark.actor_id == viewer_id, _sees(viewer_id)))


def favourites(viewer_id: int) -> Any:
    return (select(Favourite.id, Favourite.status_id).join(Status, Status.id == Favourite.status_id)
            .where(Favourite.actor_id == viewer_id, _sees(viewer_id)))
