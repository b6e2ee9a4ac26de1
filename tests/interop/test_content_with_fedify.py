"""Posts between a live Amity node and the real Fedify peer: a Markdown post with a mention, a
hashtag, a custom emoji, a content warning, two language versions and a photo with alt text, read field by
field by Fedify's own model (the peer's `object_fields`); and a Fedify post with Hashtag and
Emoji tags and contentMap stored by Amity."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.media import uploads
from actors.posts import emoji, post_content, posting
from storage.blobs import BlobStore
from storage.models import CustomEmoji, Status, StatusEmoji, StatusTag, Tag
from tests.content.emoji_images import png
from tests.integration.node import AmityNode
from tests.interop.amity_fedify import _bob_follows_alice, _logged, _stored, amity
from tests.interop.fedify_peer import FedifyPeer
from tests.media_samples import jpeg_with_gps_and_orientation

__all__ = ["amity"]  # the fixture, shared with the main interop module


async def test_an_amity_markdown_post_reaches_fedify_with_every_field(amity: AmityNode,
                                                                      fedify_peer: FedifyPeer) -> None:
    bob = await amity.create_user("bob")
    blobs = BlobStore(amity.config.media_dir)
    party = await amity.write(lambda s: emoji.add_local(s, blobs, base_url=amity.base_url, shortcode="party",
                                                        data=png()))
    handle = f"@alice@{fedify_peer.domain}"
    english = f"**Mural day** with {handle}! #Mural :party:\n\n`#code @alice`"
    portuguese = f"**Dia do mural** com {handle}! #Mural :party:"
    prepared = await post_content.prepare_mentions(amity.services, [(english, "text/markdown"),
                                                       (portuguese, "text/markdown")])
    assert list(prepared.targets) == [handle[1:].lower()]
    photo = await amity.write(lambda s: uploads.upload(
        s, amity.services, bob, jpeg_with_gps_and_orientation(64, 48), filename="mural.jpg",
        description="Children painting a mural of a river"))

    async def write(session: AsyncSession) -> Status:
        return await posting.create_status(session, amity.config, bob,
                posting.NewStatus(text=english, content_type="text/markdown", language="en",
                                  content_map={"pt": portuguese}, summary="Photos of the mural",
                                  summary_map={"pt": "Fotos do mural"}, media_ids=[photo.id]),
                prepared=prepared)
    status: Status = await amity.write(write)
    create = await _logged(amity, fedify_peer, "Create", lambda e: e["object"] == status.uri)
    assert create["error"] is None
    fields = create["object_fields"]
    assert fields["id"] == status.uri and fields["sensitive"] is True
    contents = {c["language"]: c["value"] for c in fields["contents"]}
    assert contents == {None: status.content, "en": status.content_map["en"], "pt": status.content_map["pt"]}
    assert contents["en"].startswith("<p><strong>Mural day</strong> with <span class=\"h-card\"><a href=\"")
    assert "<code>#code @alice</code>" in contents["en"]
    assert "<strong>Dia do mural</strong>" in contents["pt"]
    summaries = {s["language"]: s["value"] for s in fields["summaries"]}
    assert summaries == {None: "Photos of the mural", "en": "Photos of the mural", "pt": "Fotos do mural"}
    tags = {t["type"]: t for t in fields["tags"]}
    assert set(tags) == {"Mention", "Hashtag", "Emoji"} and len(fields["tags"]) == 3
    assert (tags["Mention"]["href"], tags["Mention"]["name"]) == (fedify_peer.actor_url, handle)
    assert (tags["Hashtag"]["href"], tags["Hashtag"]["name"]) == (f"{amity.base_url}/tags/mural", "#Mural")
    assert (tags["Emoji"]["name"], tags["Emoji"]["id"]) == (":party:", party.uri)
    assert tags["Emoji"]["icon_url"] == party.image_url and tags["Emoji"]["icon_media_type"] == "image/png"
    assert tags["Emoji"]["updated"] is not None
    image = await fedify_peer.fetch(party.image_url, accept="image/png")  # the peer can load the emoji
    assert image["status"] == 200 and image["content_type"] == "image/png"
    [attached] = fields["attachments"]
    assert attached["type"] == "Document" and attached["media_type"] == "image/jpeg"
    assert attached["name"] == "Children painting a mural of a river"
    assert (attached["width"], attached["height"]) == (48, 64)  # EXIF orientation 6 applied
    assert attached["url"] == f"{amity.base_url}/media/{photo.file_key}"
    served = await fedify_peer.fetch(attached["url"], accept="image/jpeg")  # and load the photo
    assert served["status"] == 200 and served["content_type"] == "image/jpeg"


async def test_a_fedify_post_with_tags_emoji_and_languages_is_stored(amity: AmityNode,
                                                                     fedify_peer: FedifyPeer) -> None:
    await _bob_follows_alice(amity, fedify_peer)
    blob = {"id": f"{fedify_peer.base_url}/emojis/blob", "name": ":blob:", "mediaType": "image/png",
            "url": f"{fedify_peer.base_url}/files/blob.png", "updated": "2025-03-04T05:06:07Z"}
    sent = await fedify_peer.post(
        "<p>Tide pools #TidePools :blob:</p>",
        content_map={"en": "<p>Tide pools #TidePools :blob:</p>",
                     "pt": "<p>Poças de maré #TidePools :blob:<script>x()</script></p>"},
        summary="Sea life", summary_map={"en": "Sea life", "pt": "Vida marinha"},
        hashtags=[{"name": "#TidePools", "href": f"{fedify_peer.base_url}/tags/tidepools"}], emojis=[blob])
    status = await _stored(amity, sent["note_id"])
    assert status.content == "<p>Tide pools #TidePools :blob:</p>"
    assert status.content_map == {"en": "<p>Tide pools #TidePools :blob:</p>",
                                  "pt": "<p>Poças de maré #TidePools :blob:</p>"}
    assert status.summary == "Sea life" and status.summary_map == {"en": "Sea life", "pt": "Vida marinha"}

    async def parts(session: AsyncSession) -> tuple[list[str], list[CustomEmoji]]:
        tag_names = (await session.scalars(
            select(Tag.display_name).join(StatusTag, StatusTag.tag_id == Tag.id)
            .where(StatusTag.status_id == status.id))).all()
        emojis = (await session.scalars(
            select(CustomEmoji).join(StatusEmoji, StatusEmoji.emoji_id == CustomEmoji.id)
            .where(StatusEmoji.status_id == status.id))).all()
        return list(tag_names), list(emojis)
    tag_names, emojis = await amity.query(parts)
    assert tag_names == ["TidePools"]
    [stored] = emojis
    assert (stored.shortcode, stored.domain, stored.uri, stored.image_url, stored.content_type) == (
        "blob", fedify_peer.domain, blob["id"], blob["url"], "image/png")
    assert stored.updated_at.isoformat() == "2025-03-04T05:06:07+00:00"
