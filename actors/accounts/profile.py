"""A local account changes its profile: the change is sent to its followers' servers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts.compose import plain_text_to_html
from federation.delivery.job import deliver
from federation.render import activity, actor_document
from federation.sanitize import plain_text
from federation.urls import activity_uri
from federation.vocab import PUBLIC
from storage.errors import Invalid
from storage.models import ACCEPTED, Actor, Follow, utcnow
from storage.models.base import new_id

MAX_DISPLAY_NAME = 100
MAX_NOTE = 500
MAX_FIELDS = 4
MAX_FIELD_NAME = 255  # characters, as Mastodon (`profile_field_name_limit`)
MAX_FIELD_VALUE = 255


async def update_profile(session: AsyncSession, actor: Actor, *, base_url: str,
                         display_name: str | None = None, note: str | None = None,
                         locked: bool | None = None, discoverable: bool | None = None,
                         bot: bool | None = None, fields: list[dict[str, str]] | None = None) -> int:
    """Apply the changes and queue an Update(actor) to every server with a follower.

    Returns how many inboxes will receive it.
    """
    if actor.domain is not None:
        raise Invalid("only local accounts change their own profile")
    if display_name is not None:
        if len(display_name) > MAX_DISPLAY_NAME:
            raise Invalid(f"display name must be at most {MAX_DISPLAY_NAME} characters")
        actor.display_name = plain_text(display_name, limit=MAX_DISPLAY_NAME)
    if note is not None:
        if len(note) > MAX_NOTE:
            raise Invalid(f"note must be at most {MAX_NOTE} characters")
        actor.note = plain_text_to_html(note)
    if fields is not None:
        if len(fields) > MAX_FIELDS:
            raise Invalid(f"at most {MAX_FIELDS} profile fields")
        actor.fields = [_field(f) for f in fields]
    for name, value in (("locked", locked), ("discoverable", discoverable), ("bot", bot)):
        if value is not None:
            setattr(actor, name, value)
    actor.updated_at = utcnow()
    await session.flush()
    return await _send_update(session, actor, base_url=base_url)


def _field(field: dict[str, str]) -> dict[str, str]:
    name, value = field.get("name", ""), field.get("value", "")
    if len(name) > MAX_FIELD_NAME:
        raise Invalid(f"a profile field's name is at most {MAX_FIELD_NAME} characters")
    if len(value) > MAX_FIELD_VALUE:
        raise Invalid(f"a profile field's value is at most {MAX_FIELD_VALUE} characters")
    return {"name": plain_text(name, limit=MAX_FIELD_NAME), "value": plain_text(value, limit=MAX_FIELD_VALUE)}


async def _send_update(session: AsyncSession, actor: Actor, *, base_url: str) -> int:
    rows = (await session.execute(
        select(Actor.shared_inbox_url, Actor.inbox_url)
        .join(Follow, Follow.follower_id == Actor.id)
        .where(Follow.followee_id == actor.id, Follow.state == ACCEPTED, Actor.domain.is_not(None))
    )).all()
    inboxes = [shared or personal for shared, personal in rows]
    doc: dict[str, Any] = activity("Update", id=activity_uri(base_url, new_id()), actor=actor.uri,
                                   obj=actor_document(actor, base_url=base_url),
                                   to=[PUBLIC],
                                   published=actor.updated_at)
    return await deliver(session, actor, doc, inboxes)
