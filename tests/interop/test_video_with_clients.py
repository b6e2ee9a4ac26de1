"""Video and audio from real Mastodon clients against a live node (its workers transcode):
Mastodon.py's `media_post(synchronous=True)` waits through 206 answers for the URL, and toot's
`post --media` waits for processing before it posts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import requests
from mastodon import Mastodon

from tests import av_samples as av
from tests.integration.node import AmityNode
from tests.interop.test_mastodon_clients import PASSWORD, _signed_in, _toot


@pytest.fixture
async def node(sqlite_url: str, tmp_path: Path) -> AsyncIterator[AmityNode]:
    av.require_ffmpeg()
    async with await AmityNode.start(sqlite_url, tmp_path) as amity:
        await amity.create_user("ana")
        yield amity


async def test_mastodon_py_posts_a_video_and_a_sound(node: AmityNode) -> None:
    clip, tone = av.video(), av.audio()

    def scenario() -> None:
        ana: Mastodon = _signed_in(node.base_url, "ana")
        video = ana.media_post(clip, mime_type="video/webm", description="A test pattern", synchronous=True)
        assert video.type == "video" and video.url.endswith(".mp4") and video.preview_url != video.url
        assert video.meta.original.width == 64 and video.meta.original.frame_rate == "10/1"
        assert video.meta.small.width == 64 and video.blurhash
        served = requests.get(video.url, timeout=10)
        assert served.status_code == 200 and served.headers["Content-Type"] == "video/mp4"
        sound = ana.media_post(tone, mime_type="audio/wav", synchronous=True)
        assert sound.type == "audio" and sound.url.endswith(".mp3") and sound.meta.original.duration > 0.5
        posted = ana.status_post("Our first clip", media_ids=[video, sound])
        assert [m.type for m in posted.media_attachments] == ["video", "audio"]

    await asyncio.to_thread(scenario)


async def test_toot_posts_a_video(node: AmityNode, tmp_path: Path) -> None:
    home = tmp_path / "toot-config"
    clip = tmp_path / "clip.webm"
    clip.write_bytes(av.video())
    status, output = await _toot(home, "login_cli", "-i", node.base_url, "-e", "ana@example.org",
                                 "-p", PASSWORD)
    assert status == 0, output
    status, output = await _toot(home, "post", "Garden timelapse", "--media", str(clip), "--description",
                                 "Plants growing", "--json")
    assert status == 0, output
    waited, posted = output.strip().splitlines()[-2:]
    assert waited == "Waiting for media to finish processing..."  # toot saw `url: null` and polled
    [attached] = json.loads(posted)["media_attachments"]
    assert attached["type"] == "video" and attached["url"].endswith(".mp4")
    assert attached["description"] == "Plants growing" and attached["meta"]["original"]["height"] == 48
