"""Media between two Amity nodes: an attachment posted on one arrives on the other, whose cache
job then copies the file over loopback from the first node's `/media/`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.media import uploads
from actors.posts import posting
from storage import settings
from storage.blobs import BlobStore
from storage.models import MediaAttachment, Status
from tests import media_samples as samples
from tests.integration.node import AmityNode, eventually
from tests.integration.test_two_nodes import _followed, _status, nodes  # noqa: F401


async def test_an_attachment_federates_and_is_cached_on_the_other_side(
        nodes: tuple[AmityNode, AmityNode]) -> None:  # noqa: F811
    a, b = nodes
    _alice, bob = await _followed(a, b)

    async def cache_on(session: AsyncSession) -> None:
        await settings.set_value(session, "cache_remote_media", True)
    await a.write(cache_on)

    async def post_photo(session: AsyncSession) -> Status:
        upload = await uploads.upload(session, b.services, bob, samples.jpeg_with_gps_and_orientation(),
                                    description="The mural, finished")
        return await posting.create_status(session, b.config, bob,
                posting.NewStatus(text="Done!", media_ids=[upload.id]))
    post = await b.write(post_photo)
    remote = await eventually(lambda: _status(a, post.uri), nodes=(a, b))

    async def cached() -> MediaAttachment | None:
        row = await a.query(lambda s: s.scalar(select(MediaAttachment).where(
            MediaAttachment.status_id == remote.id)))
        return row if row is not None and row.file_key else None
    row = await eventually(cached, nodes=(a, b))
    assert row.description == "The mural, finished" and row.type == "image"
    assert row.remote_url is not None and row.remote_url.startswith(f"{b.base_url}/media/")
    assert row.meta["original"]["size"] == "48x64" and row.blurhash
    assert BlobStore(a.config.media_dir).read(str(row.file_key)).startswith(b"\xff\xd8\xff")
