"""Attachments on the wire: rendered as Mastodon does; read from others checked and capped."""

from __future__ import annotations

from typing import Any

import pytest

from federation.attachments import (
    MAX_REMOTE_ATTACHMENTS,
    attachment_document,
    parse_attachment,
    parse_attachments,
)
from storage.models import MediaAttachment


def test_a_local_image_is_a_mastodon_document() -> None:
    media = MediaAttachment(type="image", content_type="image/jpeg", file_key="ab/cd/" + "0" * 40 + ".jpg",
                            description="A cat on a mat", blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
                            focus_x=0.5, focus_y=-0.25,
                            meta={"original": {"width": 800, "height": 600}})
    assert attachment_document(media, "https://amity.test") == {
        "type": "Document", "mediaType": "image/jpeg",
        "url": "https://amity.test/media/ab/cd/" + "0" * 40 + ".jpg", "name": "A cat on a mat",
        "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj", "focalPoint": [0.5, -0.25], "width": 800, "height": 600,
    }


def test_audio_without_a_description_has_no_name_nor_focal_point() -> None:
    media = MediaAttachment(type="audio", content_type="audio/mpeg", file_key="ab/cd/" + "1" * 40 + ".mp3",
                            description="", meta={})
    doc = attachment_document(media, "https://amity.test")
    assert "name" not in doc and "focalPoint" not in doc and "width" not in doc


def item(**fields: Any) -> dict[str, Any]:
    return {"type": "Document", "mediaType": "image/png", "url": "https://files.remote.example/a.png",
            **fields}


def test_a_mastodon_attachment_is_read_whole() -> None:
    found = parse_attachment(item(name="Alt\r\ntext\x00", blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
                                  focalPoint=[0.25, 2.0], width=640, height=480))
    assert found is not None
    assert (found.url, found.kind, found.media_type) == ("https://files.remote.example/a.png", "image",
                                                         "image/png")
    assert found.description == "Alt\ntext" and found.focus == (0.25, 1.0)
    assert (found.width, found.height, found.blurhash) == (640, 480, "LEHV6nWB2yk8pyo0adR*.7kCMdnj")


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "data:image/png;base64,AAAA", "file:///etc/passwd", "/relative.png",
    "https://user:pw@remote.example/a.png", "https://remote.example/" + "a" * 3000,
    "https://remote.example/a b.png", 12, None,
])
def test_only_plain_http_urls_are_kept(url: Any) -> None:
    assert parse_attachment(item(url=url)) is None


def test_a_link_list_url_is_read_and_its_media_type_used() -> None:
    found = parse_attachment({"type": "Video", "url": [
        {"type": "Link", "href": "ftp://x/v"},
        {"type": "Link", "href": "https://peertube.example/v.mp4", "mediaType": "video/mp4"}]})
    assert found is not None and (found.url, found.kind, found.media_type) == (
        "https://peertube.example/v.mp4", "video", "video/mp4")


@pytest.mark.parametrize(("fields", "expected"), [
    ({"name": "x" * 5000}, {"description": "x" * 1500}),
    ({"blurhash": "<script>"}, {"blurhash": None}),
    ({"focalPoint": ["a", 1]}, {"focus": (0.0, 0.0)}),
    ({"focalPoint": [float("nan"), 0]}, {"focus": (0.0, 0.0)}),
    ({"width": -5, "height": 10**9}, {"width": None, "height": None}),
    ({"mediaType": "text/html"}, {"kind": "unknown", "media_type": "text/html"}),
    ({"mediaType": "not a type<>"}, {"kind": "unknown", "media_type": "application/octet-stream"}),
    ({"name": {"x": 1}}, {"description": ""}),
])
def test_every_field_is_checked(fields: dict[str, Any], expected: dict[str, Any]) -> None:
    found = parse_attachment(item(**fields))
    assert found is not None
    assert {k: getattr(found, k) for k in expected} == expected


def test_non_media_items_are_skipped_and_the_count_is_capped() -> None:
    note = {"attachment": [{"type": "PropertyValue", "name": "a", "value": "b"}, "https://x.example/a.png",
                           *[item(url=f"https://r.example/{i}.png") for i in range(40)]]}
    found = parse_attachments(note)
    assert len(found) == MAX_REMOTE_ATTACHMENTS and found[0].url == "https://r.example/0.png"
    assert parse_attachments({"attachment": item()})[0].kind == "image"  # one object, not a list
