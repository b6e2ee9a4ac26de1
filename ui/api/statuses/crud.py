"""Statuses: post, show, list by ids, delete (with the source, for redraft), edit, history,
source and context. Actions on a status (favourite, boost, …) are in `statuses.actions`.

*Parameters*: what `POST /api/v1/statuses` and `PUT /api/v1/statuses/:id` send is read into the
domain's terms: Mastodon's fields (`status`, `spoiler_text`, `sensitive`, `visibility`, `language`,
`in_reply_to_id`, `media_ids[]`, `poll[...]`, `media_attributes[]`) plus Amity's: `local_only`
(or `visibility=local`) for posts that never leave the node, `content_map[LANG]`,
`spoiler_text_map[LANG]` and `content_type` (see docs/client-api.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.media.uploads import MediaChange, parse_focus
from actors.posts import posting
from actors.posts.polls import PollSpec
from actors.posts.scheduling import is_due_now
from storage.errors import Invalid
from storage.models import VISIBILITIES, Status, StatusEdit
from ui.api.auth import Auth, MemberAuth
from ui.api.entities import iso_datetime
from ui.api.filters.applied import filter_entities
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import parse_id, path_id
from ui.api.statuses import idempotency, scheduled
from ui.api.statuses.entity import render_for, render_one, visible_among, visible_status
from ui.api.statuses.idempotency import key_of
from ui.keys import SERVICES
from ui.params import Params, cast_bool, read_params

MAX_IDS = 20  # `GET /api/v1/statuses?id[]=`, as Mastodon
MAX_ANCESTORS = 40
MAX_DESCENDANTS = 60
MAX_DESCENDANT_DEPTH = 20


async def create(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    when = scheduled.time_of(params)
    if when is not None and not is_due_now(when):  # in the past: posted at once, as Mastodon
        return await scheduled.create(request, auth, _new_status(params, auth), when)
    key = key_of(request)
    if key is None:
        return await _create(request, auth, params)
    sessions = request.app[SERVICES].sessions
    claimed = await idempotency.claim(sessions, auth.token_id, key)
    while claimed.status_id is not None:
        async with sessions() as db:
            status = await db.get(Status, claimed.status_id)
            if status is not None:
                return json_ok(await render_one(request, db, auth.actor, status))
        claimed = await idempotency.claim(sessions, auth.token_id, key)  # deleted since: its key went too
    assert claimed.row_id is not None
    row_id = claimed.row_id
    try:
        return await _create(request, auth, params,
                             remember=lambda db, status_id: idempotency.record(db, row_id, status_id))
    except BaseException:
        await idempotency.release(sessions, row_id)  # the post failed: a retry may post
        raise


async def _create(request: web.Request, auth: MemberAuth, params: Params, *,
                  remember: Callable[[AsyncSession, int], Awaitable[None]] | None = None) -> web.Response:
    services = request.app[SERVICES]
    new = _new_status(params, auth)
    prepared = await posting.prepare(services, auth.actor, new)
    async with request.app[SERVICES].sessions() as db, db.begin():
        status = await posting.create_status(db, services, auth.actor, new, prepared=prepared)
        if remember is not None:  # in the post's transaction: a committed post has its key
            await remember(db, status.id)
        body = await render_one(request, db, auth.actor, status)
    services.wake_workers()
    return json_ok(body)


def _new_status(params: Params, auth: MemberAuth) -> posting.NewStatus:
    """The request's post; what it leaves out is the member's default (`posting.NewStatus`)."""
    chosen = visibility_of(params)
    reply_to = params.text("in_reply_to_id")
    reply_to_id = parse_id(reply_to) if reply_to else None
    if reply_to and reply_to_id is None:
        raise Invalid("in_reply_to_id is not the id of a status")
    return posting.NewStatus(
        text=params.text("status") or "", visibility=chosen.visibility, local_only=chosen.local_only,
        sensitive=sensitive_of(params),
        summary=params.text("spoiler_text") or "", language=params.text("language") or None,
        in_reply_to_id=reply_to_id, media_ids=params.strings("media_ids"), poll=poll_of(params),
        content_type=params.text("content_type"), content_map=language_map(params, "content_map") or {},
        summary_map=language_map(params, "spoiler_text_map") or {}, application_id=auth.application_id)


async def show(request: web.Request, auth: Auth | None) -> web.Response:
    viewer = None if auth is None else auth.actor
    async with request.app[SERVICES].sessions() as db:
        status = await visible_status(db, viewer, path_id(request))
        return json_ok(await render_one(request, db, viewer, status))


async def show_many(request: web.Request, auth: Auth | None) -> web.Response:
    """`GET /api/v1/statuses?id[]=…`: the visible ones, in the order asked; others left out."""
    params = await read_params(request)
    raw_ids = params.strings("id")
    if len(raw_ids) > MAX_IDS:
        raise Invalid(f"at most {MAX_IDS} ids at once")
    ids = list(dict.fromkeys(i for i in map(parse_id, raw_ids) if i is not None))
    viewer = None if auth is None else auth.actor
    async with request.app[SERVICES].sessions() as db:
        found = {s.id: s for s in (await db.scalars(select(Status).where(Status.id.in_(ids)))).all()}
        visible = await visible_among(db, viewer, [found[i] for i in ids if i in found])
        return json_ok(await render_for(request, db, viewer, visible))


async def delete(request: web.Request, auth: MemberAuth) -> web.Response:
    """Delete one's own status; the answer carries `text` (its source) so apps can redraft.
    Its attachments become unattached uploads again, ready for the redraft."""
    services = request.app[SERVICES]
    async with request.app[SERVICES].sessions() as db, db.begin():
        status = await visible_status(db, auth.actor, path_id(request))
        if status.actor_id != auth.actor.id:
            api_error(404, NOT_FOUND)  # Mastodon: only one's own statuses are found here
        body = await render_one(request, db, auth.actor, status)
        body["text"] = status.source_text or ""
        await posting.delete_status(db, services, auth.actor, status)
    services.wake_workers()
    return json_ok(body)


async def edit(request: web.Request, auth: MemberAuth) -> web.Response:
    """Mastodon's edit: the new text, content warning, sensitivity, language, attachments
    (`media_ids[]`: those not sent are removed, as Mastodon) and poll (absent: removed)."""
    services = request.app[SERVICES]
    params = await read_params(request)
    status_id = path_id(request)
    prepared = await posting.prepare(services, auth.actor, posting.NewStatus(
        text=params.text("status"), content_type=params.text("content_type"),
        content_map=language_map(params, "content_map") or {}))  # the mentions of the new version
    poll = poll_of(params)
    async with request.app[SERVICES].sessions() as db, db.begin():
        status = await visible_status(db, auth.actor, status_id)
        if status.actor_id != auth.actor.id:
            api_error(404, NOT_FOUND)
        text = params.text("status")
        await posting.edit_status(
            db, services, auth.actor, status, text=(status.source_text or "") if text is None else text,
            sensitive=sensitive_of(params), summary=params.text("spoiler_text"),
            language=params.text("language") or None, media_ids=params.strings("media_ids"),
            media_changes=media_changes(params), poll=poll, remove_poll=poll is None,
            content_type=params.text("content_type"), content_map=language_map(params, "content_map"),
            summary_map=language_map(params, "spoiler_text_map"), prepared=prepared)
        body = await render_one(request, db, auth.actor, status)
    services.wake_workers()
    return json_ok(body)


async def history(request: web.Request, auth: Auth | None) -> web.Response:
    """Every version, oldest first, the current one last (Mastodon's StatusEdit entities).
    Earlier versions show the attachments the status has now: older ones are not kept."""
    viewer = None if auth is None else auth.actor
    async with request.app[SERVICES].sessions() as db:
        status = await visible_status(db, viewer, path_id(request))
        current = await render_one(request, db, viewer, status)
        edits = (await db.scalars(select(StatusEdit).where(StatusEdit.status_id == status.id)
                                  .order_by(StatusEdit.created_at, StatusEdit.id))).all()
    versions = []
    written_at = status.published_at
    for old in edits:
        versions.append(_edit_entity(current, old.content, old.summary, old.sensitive,
                                     iso_datetime(written_at)))
        written_at = old.created_at
    versions.append(_edit_entity(current, current["content"], current["spoiler_text"], current["sensitive"],
                                 current["edited_at"] or current["created_at"]))
    return json_ok(versions)


def _edit_entity(current: dict[str, Any], content: str, summary: str, sensitive: bool, created_at: str
                 ) -> dict[str, Any]:
    entity = {"content": content, "spoiler_text": summary, "sensitive": sensitive, "created_at": created_at,
              "account": current["account"], "media_attachments": current["media_attachments"],
              "emojis": current["emojis"]}
    if current["poll"] is not None:
        entity["poll"] = {"options": [{"title": o["title"]} for o in current["poll"]["options"]]}
    return entity


async def source(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        status = await visible_status(db, auth.actor, path_id(request))
    if status.actor_id != auth.actor.id:
        api_error(404, NOT_FOUND)
    return json_ok({"id": str(status.id), "text": status.source_text or "", "spoiler_text": status.summary})


async def context(request: web.Request, auth: Auth | None) -> web.Response:
    """The thread around a status, as far as the viewer may see it: its ancestors (oldest
    first) and its descendants (depth first, in the order they were written; not those of
    accounts the viewer blocks or mutes), marked or left out by the viewer's `thread` filters."""
    viewer = None if auth is None else auth.actor
    async with request.app[SERVICES].sessions() as db:
        status = await visible_status(db, viewer, path_id(request))
        ancestors = await visible_among(db, viewer, await _ancestors(db, status))
        descendants = await visible_among(db, viewer, await _descendants(db, status), hide_muted=True)
        rendered = await render_for(request, db, viewer, [*ancestors, *descendants])
        viewer_id = None if viewer is None else viewer.id  # the member's filters of the `thread` context
        above = await filter_entities(db, viewer_id, "thread", ancestors, rendered[:len(ancestors)])
        below = await filter_entities(db, viewer_id, "thread", descendants, rendered[len(ancestors):])
    return json_ok({"ancestors": above, "descendants": below})


async def _ancestors(db: AsyncSession, status: Status) -> list[Status]:
    """Parents, root first; a chain that loops (remote posts can reply in a circle) stops
    where it would come back."""
    found: list[Status] = []
    seen = {status.id}
    current = status
    while (current.in_reply_to_id is not None and current.in_reply_to_id not in seen
           and len(found) < MAX_ANCESTORS):
        parent = await db.get(Status, current.in_reply_to_id)
        if parent is None:
            break
        found.append(parent)
        seen.add(parent.id)
        current = parent
    return found[::-1]


async def _descendants(db: AsyncSession, status: Status) -> list[Status]:
    """Replies level by level (one query per level), then ordered depth first."""
    children: dict[int, list[Status]] = {}
    frontier = [status.id]
    seen = {status.id}  # each status once: replies stored in a circle never loop
    total = 0
    for _ in range(MAX_DESCENDANT_DEPTH):
        if not frontier or total >= MAX_DESCENDANTS:
            break
        rows = (await db.scalars(
            select(Status).where(Status.in_reply_to_id.in_(frontier), Status.id.not_in(seen))
            .order_by(Status.id).limit(MAX_DESCENDANTS - total))).all()
        for row in rows:
            assert row.in_reply_to_id is not None
            children.setdefault(row.in_reply_to_id, []).append(row)
            seen.add(row.id)
        total += len(rows)
        frontier = [row.id for row in rows]
    ordered: list[Status] = []

    def walk(parent_id: int) -> None:
        for child in children.get(parent_id, []):
            ordered.append(child)
            walk(child.id)

    walk(status.id)
    return ordered


LOCAL = "local"  # `visibility=local`: public, but only on this node (as Hometown and Akkoma)


@dataclass(frozen=True)
class Visibility:
    visibility: str | None  # None: not sent, so the member's default
    local_only: bool


def visibility_of(params: Params) -> Visibility:
    """`visibility` (one of Mastodon's, or `local`) and the `local_only` flag."""
    chosen = params.text("visibility")
    local_only = params.flag("local_only") or False
    if chosen == LOCAL:
        return Visibility("public", True)
    if chosen is not None and chosen not in VISIBILITIES:
        raise Invalid(f"visibility must be one of: {', '.join((*VISIBILITIES, LOCAL))}")
    return Visibility(chosen, local_only)


def poll_of(params: Params) -> PollSpec | None:
    """`poll[options][]`, `poll[expires_in]`, `poll[multiple]`, `poll[hide_totals]`; None if absent."""
    raw = params.raw("poll")
    if raw is None or raw == "" or raw == {}:
        return None
    poll = params.nested("poll")
    options = poll.strings("options")
    if not options:
        raise Invalid("poll[options][] needs at least two options")
    expires = poll.text("expires_in")
    if expires is None:
        raise Invalid("poll[expires_in] is missing: how many seconds the poll runs")
    try:
        seconds = int(float(expires))
    except ValueError:
        raise Invalid("poll[expires_in] must be a number of seconds") from None
    return PollSpec(options=options, expires_in=seconds, multiple=poll.flag("multiple") or False,
                    hide_totals=poll.flag("hide_totals") or False)


def language_map(params: Params, name: str) -> dict[str, str] | None:
    """`content_map[LANG]` / `spoiler_text_map[LANG]` as {LANG: text}; None when not sent."""
    if name not in params:
        return None
    raw = params.mapping(name)
    if not all(isinstance(v, str) for v in raw.values()):
        raise Invalid(f"{name} must map language codes to text, like {name}[pt]=…")
    return {str(k): str(v) for k, v in raw.items()}


def media_changes(params: Params) -> list[MediaChange]:
    """`media_attributes[][id]`, `[description]`, `[focus]` (an edit's changes to its attachments)."""
    raw = params.raw("media_attributes")
    if raw is None:
        return []
    items: Any = list(raw.values()) if isinstance(raw, Mapping) else raw
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise Invalid("media_attributes must be a list of {id, description, focus}")
    changes = []
    for item in items:
        try:
            media_id = int(str(item.get("id")))
        except ValueError:
            raise Invalid("each of media_attributes needs the id of an attachment") from None
        focus = item.get("focus")
        description = item.get("description")
        changes.append(MediaChange(
            id=media_id, description=None if description is None else str(description),
            focus=parse_focus(str(focus)) if focus not in (None, "") else None))
    return changes


def sensitive_of(params: Params) -> bool | None:
    return cast_bool("sensitive", params.raw("sensitive"))
