"""Grouped notifications (API v2, Mastodon 4.3): a page of groups, and the NotificationGroup
entity with the accounts and statuses it refers to.

A page is read from the same notifications as API v1 (`ui.api.notifications.pages`), newest
first, and gathered by group key until `limit` groups are found: each group then counts the
notifications of its key within the page's range, as Mastodon's `pagination_range`. Types the
client does not list in `grouped_types[]` are shown one notification per group.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import web
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading.notification_groups import GROUPABLE, UNGROUPED
from actors.reading.notification_reads import STATUS_TYPES
from storage.models import Actor, Notification
from ui.api.entities import iso_datetime
from ui.api.notifications.entity import Rendered
from ui.api.notifications.pages import rendered_parts, shown
from ui.api.paging import Page, paginate

SAMPLE_ACCOUNTS = 8  # as Mastodon's NotificationGroup::SAMPLE_ACCOUNTS_SIZE
MAX_SCANNED = 2000  # notifications read for one page of groups at most
SCAN_BATCH = 200  # read at a time: a popular post's group spans many notifications


@dataclass
class Group:
    key: str
    notifications: list[Notification] = field(default_factory=list)  # newest first once read

    @property
    def latest(self) -> Notification:
        return self.notifications[0]

    def sample_ids(self) -> list[int]:
        seen: list[int] = []
        for n in self.notifications:
            if n.from_actor_id not in seen:
                seen.append(n.from_actor_id)
                if len(seen) == SAMPLE_ACCOUNTS:
                    break
        return seen


def grouped_types_of(names: Sequence[str]) -> frozenset[str]:
    """`grouped_types[]`: the groupable types the client can show grouped (all when absent)."""
    return frozenset(names) & GROUPABLE if names else GROUPABLE


def key_of(notification: Notification, grouped: Collection[str]) -> str:
    if notification.group_key and notification.type in grouped:
        return notification.group_key
    return f"{UNGROUPED}{notification.id}"


async def read_groups(db: AsyncSession, viewer_id: int, query: Select[Notification], page: Page,
                      grouped: Collection[str]) -> list[Group]:
    """Up to `page.limit` groups of `query`, the newest first."""
    ascending = page.min_id is not None
    groups: dict[str, Group] = {}
    cursor, scanned = replace(page, limit=max(page.limit, SCAN_BATCH)), 0
    while scanned < MAX_SCANNED:
        rows = list((await db.scalars(paginate(query, Notification.id, cursor))).all())
        scanned += len(rows)
        room = _gather(groups, await shown(db, viewer_id, rows), grouped, page.limit)
        if not room or len(rows) < cursor.limit:
            break
        cursor = replace(cursor, min_id=rows[-1].id) if ascending else replace(cursor, max_id=rows[-1].id)
    found = list(groups.values())
    for group in found:
        group.notifications.sort(key=lambda n: n.id, reverse=True)
    return sorted(found, key=lambda g: g.latest.id, reverse=True)


def _gather(groups: dict[str, Group], rows: Sequence[Notification], grouped: Collection[str], limit: int
            ) -> bool:
    """Add `rows` to their groups; False once a group beyond `limit` shows up (the page is full)."""
    for notification in rows:
        key = key_of(notification, grouped)
        if key not in groups:
            if len(groups) >= limit:
                return False
            groups[key] = Group(key)
        groups[key].notifications.append(notification)
    return True


def group_entity(group: Group, parts: Rendered, *, paged: bool) -> dict[str, Any] | None:
    """The NotificationGroup entity (with the page's bounds when `paged`); None when what it is
    about cannot be shown."""
    latest = group.latest
    samples = [i for i in group.sample_ids() if i in parts.accounts]
    if not samples:
        return None
    entity: dict[str, Any] = {
        "group_key": group.key,
        "notifications_count": len(group.notifications),
        "type": latest.type,
        "most_recent_notification_id": str(latest.id),
        "sample_account_ids": [str(i) for i in samples],
    }
    if paged:
        entity |= {"page_min_id": str(group.notifications[-1].id), "page_max_id": str(latest.id),
                   "latest_page_notification_at": iso_datetime(latest.created_at)}
    if latest.type in STATUS_TYPES:
        if latest.status_id is None or latest.status_id not in parts.statuses:
            return None
        entity["status_id"] = str(latest.status_id)
    if latest.type == "admin.report":
        report = parts.reports.get(latest.report_id) if latest.report_id else None
        if report is None:
            return None
        entity["report"] = report
    return entity


def partial_account(account: dict[str, Any]) -> dict[str, Any]:
    """PartialAccountWithAvatar, from a rendered Account."""
    return {key: account[key] for key in ("id", "acct", "url", "avatar", "avatar_static", "locked", "bot")}


async def grouped_body(request: web.Request, db: AsyncSession, viewer: Actor, groups: Sequence[Group], *,
                       paged: bool, partial_avatars: bool = False) -> dict[str, Any]:
    """The v2 answer: `accounts`, `statuses` and `notification_groups` (and `partial_accounts`
    with `expand_accounts=partial_avatars`: the most recent account of each group stays full)."""
    latest = [g.latest for g in groups]
    samples = {i for g in groups for i in g.sample_ids()}
    parts = await rendered_parts(request, db, viewer, latest, account_ids=sorted(samples))
    entities = [(g, e) for g in groups if (e := group_entity(g, parts, paged=paged)) is not None]
    full = {int(e["sample_account_ids"][0]) for _, e in entities} if partial_avatars else {
        int(i) for _, e in entities for i in e["sample_account_ids"]}
    partial = {int(i) for _, e in entities for i in e["sample_account_ids"]} - full
    status_ids = [int(e["status_id"]) for _, e in entities if "status_id" in e]
    body: dict[str, Any] = {
        "accounts": [parts.accounts[i] for i in sorted(full)],
        "statuses": [parts.statuses[i] for i in dict.fromkeys(status_ids)],
        "notification_groups": [e for _, e in entities],
    }
    if partial_avatars:
        body["partial_accounts"] = [partial_account(parts.accounts[i]) for i in sorted(partial)]
    return body

