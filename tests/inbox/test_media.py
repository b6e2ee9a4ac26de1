"""Attachments through the real inbox: a signed Create stores them, an Update replaces them."""

from __future__ import annotations

from storage.models import MediaAttachment, Status
from tests.inbox.conftest import Node


async def test_attachments_arrive_with_the_post_and_change_with_its_update(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    photo = {"type": "Document", "mediaType": "image/jpeg", "url": "https://files.remote.test/p.jpg",
             "name": "A heron", "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj", "focalPoint": [0, 0.5]}
    hostile = {"type": "Image", "url": "javascript:alert(1)", "name": "x"}
    note = alice.note(1, attachment=[photo, hostile])
    await node.deliver(alice, alice.activity("Create", note))
    (status,) = await node.rows(Status, Status.uri == note["id"])
    (stored,) = await node.rows(MediaAttachment, MediaAttachment.status_id == status.id)
    assert (stored.remote_url, stored.description, stored.type) == (photo["url"], "A heron", "image")
    edited = alice.note(1, attachment=[{**photo, "name": "A grey heron"}], updated="2030-01-01T00:00:00Z")
    await node.deliver(alice, alice.activity("Update", edited, number=2))
    (now,) = await node.rows(MediaAttachment, MediaAttachment.status_id == status.id)
    assert now.description == "A grey heron"
