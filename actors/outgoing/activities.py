"""The activities local accounts send, rendered from rows (Mastodon's shapes and addressing)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from federation.render import NO_PARTS, PostParts, activity, addressing, note_document, tombstone
from federation.urls import create_activity_uri
from federation.vocab import PUBLIC
from storage.models import Actor, Favourite, Status


def create(status: Status, author: Actor, mentioned: Sequence[Actor], *, local_domain: str,
           parts: PostParts = NO_PARTS) -> dict[str, Any]:
    note = note_document(status, author, mentioned=mentioned, in_reply_to_uri=status.in_reply_to_uri,
                         local_domain=local_domain, parts=parts, with_context=False)
    return activity("Create", id=create_activity_uri(status.uri), actor=author.uri, obj=note,
                    to=note["to"], cc=note["cc"], published=status.published_at)


def update(status: Status, author: Actor, mentioned: Sequence[Actor], *, update_id: str,
           local_domain: str, parts: PostParts = NO_PARTS) -> dict[str, Any]:
    note = note_document(status, author, mentioned=mentioned, in_reply_to_uri=status.in_reply_to_uri,
                         local_domain=local_domain, parts=parts, with_context=False)
    return activity("Update", id=update_id, actor=author.uri, obj=note, to=note["to"], cc=note["cc"],
                    published=status.edited_at)


def delete(status: Status, author: Actor, mentioned: Sequence[Actor]) -> dict[str, Any]:
    to, cc = addressing(status, author, mentioned)
    return activity("Delete", id=f"{status.uri}#delete", actor=author.uri, obj=tombstone(status.uri),
                    to=to, cc=cc)


def announce_addressing(boost: Status, booster: Actor, original_author: Actor
                        ) -> tuple[list[str], list[str]]:
    followers = booster.followers_url or f"{booster.uri}/followers"
    if boost.visibility == "public":
        return [PUBLIC], [original_author.uri, followers]
    if boost.visibility == "unlisted":
        return [followers], [PUBLIC, original_author.uri]
    return [followers], [original_author.uri]


def announce(boost: Status, booster: Actor, original: Status, original_author: Actor) -> dict[str, Any]:
    to, cc = announce_addressing(boost, booster, original_author)
    return activity("Announce", id=boost.uri, actor=booster.uri, obj=original.uri, to=to, cc=cc,
                    published=boost.published_at)


def featured_change(kind: str, status: Status, author: Actor, *, activity_id: str) -> dict[str, Any]:
    """`Add` (pinned) or `Remove` (unpinned) of a status to the author's `featured` collection."""
    followers = author.followers_url or f"{author.uri}/followers"
    doc = activity(kind, id=activity_id, actor=author.uri, obj=status.uri, to=[PUBLIC], cc=[followers])
    doc["target"] = author.featured_url or f"{author.uri}/collections/featured"
    return doc


def like(favourite: Favourite, actor: Actor, status: Status) -> dict[str, Any]:
    return activity("Like", id=favourite.uri, actor=actor.uri, obj=status.uri)


def undo(undone: dict[str, Any]) -> dict[str, Any]:
    """Undo of an activity we sent (embedded whole, as Mastodon does), addressed as it was."""
    return activity("Undo", id=f"{undone['id']}/undo", actor=undone["actor"], obj=undone,
                    to=undone.get("to", ()), cc=undone.get("cc", ()))
