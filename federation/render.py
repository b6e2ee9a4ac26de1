"""Stored rows → ActivityStreams 2 documents (actors, notes, activities, collections)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from federation.attachments import attachment_documents, origin_of
from federation.question import question_fields
from federation.vocab import CONTEXT, PUBLIC
from storage.models import Actor, CustomEmoji, MediaAttachment, Poll, Status, Tag
from storage.sniff import SUFFIX_TYPES


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def handle(actor: Actor, local_domain: str) -> str:
    return f"@{actor.username}@{actor.domain or local_domain}"


def suspended_actor_document(actor: Actor, *, base_url: str) -> dict[str, Any]:
    """A suspended local actor, as Mastodon serves one: its name and key, `suspended`, nothing
    it wrote (no name, summary, images or fields)."""
    full = actor_document(actor, base_url=base_url)
    kept = ("@context", "id", "type", "preferredUsername", "url", "inbox", "outbox", "followers", "following",
            "endpoints", "published", "publicKey")
    return {**{key: full[key] for key in kept}, "name": "", "summary": "", "suspended": True}


def actor_document(actor: Actor, *, base_url: str) -> dict[str, Any]:
    """A local actor (person or the instance actor), as other servers fetch it."""
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "id": actor.uri,
        "type": actor.actor_type,
        "preferredUsername": actor.username,
        "name": actor.display_name,
        "summary": actor.note,
        "url": actor.url or actor.uri,
        "inbox": actor.inbox_url,
        "outbox": actor.outbox_url,
        "followers": actor.followers_url,
        "following": actor.following_url,
        "featured": actor.featured_url,
        # members (who have `featured`) list their featured tags, as Mastodon
        "featuredTags": f"{actor.uri}/collections/tags" if actor.featured_url else None,
        "endpoints": {"sharedInbox": actor.shared_inbox_url or f"{base_url}/inbox"},
        "manuallyApprovesFollowers": actor.locked,
        "discoverable": actor.discoverable,
        "published": iso(actor.created_at),
        "publicKey": {
            "id": actor.key_id or f"{actor.uri}#main-key",
            "owner": actor.uri,
            "publicKeyPem": actor.public_key_pem,
        },
        "attachment": [
            {"type": "PropertyValue", "name": f.get("name", ""), "value": f.get("value", "")}
            for f in actor.fields or []
        ],
    }
    if actor.also_known_as:
        doc["alsoKnownAs"] = list(actor.also_known_as)
    if actor.avatar_url:
        doc["icon"] = _profile_image(actor.avatar_url, actor.avatar_blob)
    if actor.header_url:
        doc["image"] = _profile_image(actor.header_url, actor.header_blob)
    return {k: v for k, v in doc.items() if v is not None}


def _profile_image(url: str, blob_key: str | None) -> dict[str, str]:
    """An avatar or header `Image`, with its `mediaType` when it is one of our blobs (as Mastodon)."""
    image = {"type": "Image", "url": url}
    media_type = SUFFIX_TYPES.get(blob_key.rpartition(".")[2]) if blob_key else None
    return image | {"mediaType": media_type} if media_type else image


def addressing(status: Status, author: Actor, mentioned: Sequence[Actor]) -> tuple[list[str], list[str]]:
    """(to, cc) for a status's visibility, as Mastodon addresses them."""
    followers = author.followers_url or f"{author.uri}/followers"
    mention_uris = [m.uri for m in mentioned]
    if status.visibility == "public":
        return [PUBLIC], [followers, *mention_uris]
    if status.visibility == "unlisted":
        return [followers], [PUBLIC, *mention_uris]
    if status.visibility == "private":
        return [followers], mention_uris
    return mention_uris, []


@dataclass
class PostParts:
    """What a status carries besides its own row, loaded in bulk by `actors.reading.parts.load_parts`."""

    hashtags: list[Tag] = field(default_factory=list)
    emojis: list[CustomEmoji] = field(default_factory=list)
    media: list[MediaAttachment] = field(default_factory=list)  # in position order
    poll: Poll | None = None


NO_PARTS = PostParts()


def note_document(status: Status, author: Actor, *, mentioned: Sequence[Actor] = (),
                  in_reply_to_uri: str | None = None, local_domain: str,
                  parts: PostParts = NO_PARTS, with_context: bool = True) -> dict[str, Any]:
    to, cc = addressing(status, author, mentioned)
    doc: dict[str, Any] = {
        "id": status.uri,
        "type": status.object_type,
        "attributedTo": author.uri,
        "to": to,
        "cc": cc,
        "published": iso(status.published_at),
        "url": status.url or status.uri,
        "inReplyTo": in_reply_to_uri,
        "sensitive": status.sensitive,
        "summary": status.summary or None,
        "content": status.content,
        "tag": [{"type": "Mention", "href": m.uri, "name": handle(m, local_domain)} for m in mentioned]
        + content_tags(status, parts),
        "attachment": attachment_documents(parts.media, origin_of(status.uri)),
    }
    if status.language:
        doc["contentMap"] = {status.language: status.content, **(status.content_map or {})}
    if status.summary_map:
        doc["summaryMap"] = dict(status.summary_map)
    if status.edited_at:
        doc["updated"] = iso(status.edited_at)
    if parts.poll is not None:
        doc.update(question_fields(parts.poll))
    if with_context:
        doc = {"@context": CONTEXT, **doc}
    return doc


def content_tags(status: Status, parts: PostParts) -> list[dict[str, Any]]:
    """The Hashtag and Emoji tags of a status (Mastodon's shapes)."""
    split = urlsplit(status.uri)
    base_url = f"{split.scheme}://{split.netloc}"
    found: list[dict[str, Any]] = [
        {"type": "Hashtag", "href": f"{base_url}/tags/{quote(tag.name, safe='')}",
         "name": f"#{tag.display_name}"} for tag in parts.hashtags]
    found += [emoji_tag(emoji) for emoji in parts.emojis]
    return found


def emoji_tag(emoji: CustomEmoji) -> dict[str, Any]:
    return {"id": emoji.uri or emoji.image_url, "type": "Emoji", "name": f":{emoji.shortcode}:",
            "updated": iso(emoji.updated_at),
            "icon": {"type": "Image", "mediaType": emoji.content_type, "url": emoji.image_url}}


def tombstone(uri: str, *, deleted: datetime | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"@context": CONTEXT, "id": uri, "type": "Tombstone"}
    if deleted is not None:
        doc["deleted"] = iso(deleted)
    return doc


def activity(kind: str, *, id: str, actor: str, obj: Any, to: Sequence[str] = (),
             cc: Sequence[str] = (), published: datetime | None = None) -> dict[str, Any]:
    """Any activity wrapper (Create, Update, Delete, Follow, Accept, Undo, Like, Announce…)."""
    if isinstance(obj, dict):
        obj = {k: v for k, v in obj.items() if k != "@context"}
    doc: dict[str, Any] = {"@context": CONTEXT, "id": id, "type": kind, "actor": actor, "object": obj}
    if to:
        doc["to"] = list(to)
    if cc:
        doc["cc"] = list(cc)
    if published is not None:
        doc["published"] = iso(published)
    return doc


def ordered_collection(id: str, total: int, *, first: str | None, last: str | None = None
                       ) -> dict[str, Any]:
    doc: dict[str, Any] = {"@context": CONTEXT, "id": id, "type": "OrderedCollection",
                           "totalItems": total}
    if first:
        doc["first"] = first
    if last:
        doc["last"] = last
    return doc


def ordered_collection_page(id: str, *, part_of: str, items: list[Any], next: str | None = None,
                            prev: str | None = None, total: int | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"@context": CONTEXT, "id": id, "type": "OrderedCollectionPage",
                           "partOf": part_of, "orderedItems": items}
    if total is not None:
        doc["totalItems"] = total
    if next:
        doc["next"] = next
    if prev:
        doc["prev"] = prev
    return doc
