"""Mastodon entities built from rows: Account, CredentialAccount, Application, Role.

Shapes follow Mastodon's documentation exactly: ids are strings, `created_at` of an account
is the day it was created at midnight UTC (as Mastodon since 3.4), `last_status_at` a date,
missing avatars and headers point at default images. Whoever serializes accounts (statuses,
notifications, search) calls `render_accounts`, which loads the counts of many accounts in
three grouped queries instead of three per account.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation.permissions import ROLE_ENTITIES
from actors.posts.compose import plain_text_to_html
from federation.sanitize import clean_html
from federation.urls import shown_media, shown_url
from storage.models import ACCEPTED, PENDING, Actor, Follow, OAuthApplication, Status, User

# Sanitizing is a pure function of the text and the costliest part of rendering an account;
# timelines render the same authors over and over.
_clean_html = functools.lru_cache(maxsize=8192)(clean_html)

DEFAULT_AVATAR_PATH = "/avatars/original/missing.png"
DEFAULT_HEADER_PATH = "/headers/original/missing.png"

@dataclass(frozen=True)
class AccountStats:
    followers: int = 0
    following: int = 0
    statuses: int = 0
    last_status_at: datetime | None = None


@dataclass(frozen=True)
class Urls:
    """What entities need to know about the node: its domain and base URL."""

    domain: str
    base_url: str


def iso_datetime(when: datetime) -> str:
    """Mastodon's datetime format: UTC with milliseconds, `2024-01-02T03:04:05.000Z`."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _midnight(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT00:00:00.000Z")


async def load_account_stats(session: AsyncSession, actor_ids: Collection[int]) -> dict[int, AccountStats]:
    """Followers, following and statuses (direct messages not counted, as Mastodon) of many accounts."""
    ids = list(set(actor_ids))
    if not ids:
        return {}
    followers = dict((await session.execute(
        select(Follow.followee_id, func.count()).where(Follow.followee_id.in_(ids), Follow.state == ACCEPTED)
        .group_by(Follow.followee_id))).all())
    following = dict((await session.execute(
        select(Follow.follower_id, func.count()).where(Follow.follower_id.in_(ids), Follow.state == ACCEPTED)
        .group_by(Follow.follower_id))).all())
    statuses = {actor_id: (count, last) for actor_id, count, last in (await session.execute(
        select(Status.actor_id, func.count(), func.max(Status.published_at))
        .where(Status.actor_id.in_(ids), Status.visibility != "direct")
        .group_by(Status.actor_id))).all()}
    return {i: AccountStats(followers.get(i, 0), following.get(i, 0), *statuses.get(i, (0, None)))
            for i in ids}


async def load_roles(session: AsyncSession, actor_ids: Collection[int]) -> dict[int, str]:
    if not actor_ids:
        return {}
    return dict((await session.execute(
        select(User.actor_id, User.role).where(User.actor_id.in_(list(set(actor_ids)))))).all())


async def render_accounts(session: AsyncSession, actors: Sequence[Actor], urls: Urls) -> list[dict[str, Any]]:
    """Account entities for `actors`, in order, with their counts loaded in bulk."""
    ids = [a.id for a in actors]
    stats = await load_account_stats(session, ids)
    roles = await load_roles(session, [a.id for a in actors if a.domain is None])
    return [account(a, stats.get(a.id, AccountStats()), urls, role=roles.get(a.id)) for a in actors]


def acct(actor: Actor) -> str:
    return actor.username if actor.domain is None else f"{actor.username}@{actor.domain}"


def account(actor: Actor, stats: AccountStats, urls: Urls, *, role: str | None = None) -> dict[str, Any]:
    """The Account entity (public view)."""
    local = actor.domain is None
    avatar = shown_media(actor.avatar_url) or f"{urls.base_url}{DEFAULT_AVATAR_PATH}"
    header = shown_media(actor.header_url) or f"{urls.base_url}{DEFAULT_HEADER_PATH}"
    entity: dict[str, Any] = {
        "id": str(actor.id),
        "username": actor.username,
        "acct": acct(actor),
        "display_name": actor.display_name,
        "locked": actor.locked,
        "bot": actor.bot or actor.actor_type in ("Service", "Application"),
        "discoverable": actor.discoverable,
        "indexable": False,
        "group": actor.actor_type == "Group",
        "created_at": _midnight(actor.created_at),
        "note": _clean_html(actor.note),
        "url": shown_url(actor.url, actor.uri),
        "uri": actor.uri,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": stats.followers,
        "following_count": stats.following,
        "statuses_count": stats.statuses,
        "last_status_at": stats.last_status_at.strftime("%Y-%m-%d") if stats.last_status_at else None,
        "hide_collections": False,
        "noindex": False if local else None,
        "emojis": [],  # TODO(content): custom emoji in names and notes
        "roles": _public_roles(role),
        "fields": [_field(f, local=local) for f in actor.fields or []],
    }
    if actor.suspended_at is not None:
        entity.update(_suspended(urls))
    return entity


def _suspended(urls: Urls) -> dict[str, Any]:
    """What Mastodon shows of a suspended account: the handle, nothing the account wrote."""
    avatar, header = f"{urls.base_url}{DEFAULT_AVATAR_PATH}", f"{urls.base_url}{DEFAULT_HEADER_PATH}"
    return {"suspended": True, "display_name": "", "note": "", "fields": [], "emojis": [], "roles": [],
            "avatar": avatar, "avatar_static": avatar, "header": header, "header_static": header,
            "locked": False, "bot": False, "followers_count": 0, "following_count": 0,
            "statuses_count": 0, "last_status_at": None}


def _public_roles(role: str | None) -> list[dict[str, str]]:
    shown = ROLE_ENTITIES.get(role or "member", ROLE_ENTITIES["member"])
    if not shown["highlighted"]:
        return []
    return [{"id": shown["id"], "name": shown["name"], "color": shown["color"]}]


def _field(field: dict[str, str], *, local: bool) -> dict[str, Any]:
    name, value = field.get("name", ""), field.get("value", "")
    # Local values are plain text (linked here); remote ones are HTML, sanitized again.
    rendered = _inline_html(value) if local else _clean_html(value)
    return {"name": name, "value": rendered, "verified_at": None}


def _inline_html(text: str) -> str:
    return plain_text_to_html(text).removeprefix("<p>").removesuffix("</p>")


def credential_account(actor: Actor, user: User, stats: AccountStats, urls: Urls, *,
                       follow_requests: int) -> dict[str, Any]:
    """The CredentialAccount entity: the signed-in member's own account, with `source` and `role`."""
    entity = account(actor, stats, urls, role=user.role)
    entity["source"] = {
        "privacy": user.default_privacy,
        "sensitive": user.default_sensitive,
        "language": user.default_language or "",
        "note": note_source(actor.note),
        "fields": [{"name": f.get("name", ""), "value": f.get("value", ""), "verified_at": None}
                   for f in actor.fields or []],
        "follow_requests_count": follow_requests,
        "indexable": False,
        "hide_collections": False,
        "discoverable": actor.discoverable,
    }
    entity["role"] = dict(ROLE_ENTITIES.get(user.role, ROLE_ENTITIES["member"]))
    return entity


async def pending_follow_requests(session: AsyncSession, actor_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(Follow).where(
        Follow.followee_id == actor_id, Follow.state == PENDING)) or 0)


def note_source(note_html: str) -> str:
    """The plain text a local note was written as (it was rendered by `plain_text_to_html`:
    paragraphs, line breaks and links, all reversible)."""
    text = re.sub(r"<br\s*/?>", "\n", note_html)
    text = re.sub(r"</p>\s*<p[^>]*>", "\n\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip()


def application(app: OAuthApplication) -> dict[str, Any]:
    """The Application entity (no secrets)."""
    return {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": app.scopes.split(),
        "redirect_uri": "\n".join(app.redirect_uris),
        "redirect_uris": list(app.redirect_uris),
    }


def credential_application(app: OAuthApplication, client_secret: str) -> dict[str, Any]:
    """CredentialApplication: the Application plus its client credentials, shown once."""
    return {**application(app), "client_id": app.client_id, "client_secret": client_secret,
            "client_secret_expires_at": 0}
