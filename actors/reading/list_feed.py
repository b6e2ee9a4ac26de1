"""Which statuses a member's list timeline holds: the posts and boosts of the list's members,
with the viewer's filters and visibility (`actors.reading.timelines.filtered`, `visible_to`),
as one SELECT of ids that the API pages like any timeline.

The list is read from the statuses, not written by fan-out: an account added to a list brings
its recent posts along, and one removed takes them away at once.

Replies to someone else follow the list's `replies_policy`, as Mastodon's: `none` keeps only
replies to the owner, `list` also replies to the list's members, `followed` also replies to
anyone the owner follows. A reply to oneself is a thread and always kept; a reply whose parent
is unknown here is dropped. Boosts are dropped where the owner hid the member's boosts, and
direct messages stay out (Mastodon's list fan-out skips them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import aliased

from actors.reading.timelines import filtered
from actors.reading.visibility import Viewer, visible_to
from federation.domain_rules import DomainRules
from storage.models import ACCEPTED, Follow, ListAccount, MemberList, Status


def list_statuses(viewer_id: int, rules: DomainRules, members_of: MemberList) -> Select[Any]:
    members = select(ListAccount.account_id).where(ListAccount.list_id == members_of.id)
    hid_boosts = exists().where(Follow.follower_id == viewer_id, Follow.followee_id == Status.actor_id,
                                Follow.show_reblogs.is_(False))
    return filtered(viewer_id, rules).where(
        Status.actor_id.in_(members), Status.visibility != "direct",
        visible_to(Viewer(viewer_id, member=True)),
        or_(Status.reblog_of_id.is_(None), ~hid_boosts),
        _replies_kept(viewer_id, members_of.replies_policy, members))


def _replies_kept(viewer_id: int, policy: str, members: Select[Any]) -> ColumnElement[bool]:
    parent = aliased(Status, name="replied_to")
    replied = select(parent.actor_id).where(parent.id == Status.in_reply_to_id).scalar_subquery()
    kept: list[ColumnElement[bool]] = [replied == Status.actor_id, replied == viewer_id]
    if policy == "list":
        kept.append(replied.in_(members))
    elif policy == "followed":
        kept.append(replied.in_(select(Follow.followee_id).where(Follow.follower_id == viewer_id,
                                                                 Follow.state == ACCEPTED)))
    root = and_(Status.in_reply_to_id.is_(None), Status.in_reply_to_uri.is_(None))
    return or_(root, and_(Status.in_reply_to_id.is_not(None), or_(*kept)))
