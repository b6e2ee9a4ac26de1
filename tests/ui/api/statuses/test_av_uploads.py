"""Video and audio uploads through the API, as Mastodon: 202 with `url: null`, transcoded in a job
(H.264/AAC MP4, MP3), 206 then 200 from `GET /api/v1/media/:id`, a poster with a blurhash, and
`meta` with duration, frame rate and size. Hostile files and files over the limits are refused
and leave no row, job or file behind; without ffmpeg, video and audio are refused by name."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from pytest_aiohttp import AiohttpClient

from actors.media.transcoding import TRANSCODE_KIND, incoming_dir, run_transcode
from storage import ffmpeg, queue
from storage.blobs import BlobStore
from storage.models import MediaAttachment
from storage.models.jobs import Job
from storage.worker import Registry, Worker, drain
from tests import av_samples as av
from tests.media_samples import gif, mp3_head, png
from tests.ui.api.schemas import MEDIA_ATTACHMENT, assert_entity
from tests.ui.client_api import Api, start_api

MEDIA = "/api/v2/media"
STATUSES = "/api/v1/statuses"
NOT_READY = "Cannot attach files that have not finished processing. Try again in a moment!"  # Mastodon's


def form(data: bytes, filename: str = "clip.webm", content_type: str = "video/webm",
         **fields: str) -> FormData:
    body = FormData()
    body.add_field("file", data, filename=filename, content_type=content_type)
    for name, value in fields.items():
        body.add_field(name, value)
    return body


async def run_jobs(api: Api, *, hours_later: int = 0) -> int:
    registry = Registry()
    registry.register(TRANSCODE_KIND, run_transcode)
    return await drain(Worker(api.services.engine, registry, deps=api.services,
                              clock=lambda: queue.now_ms() + hours_later * 3_600_000))


def key_of(entity: dict[str, Any]) -> str:
    return str(entity["url"]).split("/media/", 1)[1]


async def member_token(api: Api) -> str:
    await api.member("alice")
    return await api.token_for("alice")


def stored_files(api: Api) -> list[Path]:
    return [p for p in Path(api.config.media_dir).rglob("*") if p.is_file()]


async def assert_nothing_stored(api: Api) -> None:
    assert await api.count(MediaAttachment) == 0
    assert await api.count(Job) == 0
    assert stored_files(api) == []


def probe_streams(path: Path) -> dict[str, Any]:
    _, ffprobe = ffmpeg.tools()
    out = subprocess.run([ffprobe, "-v", "error", "-show_entries", "stream=codec_name,codec_type",
                          "-of", "json", str(path)], check=True, capture_output=True, timeout=30).stdout
    return {s["codec_type"]: s["codec_name"] for s in json.loads(out)["streams"]}


async def test_a_video_is_202_with_no_url_then_transcoded_in_a_job(any_api: Api) -> None:
    av.require_ffmpeg()
    api = any_api
    token = await member_token(api)
    answer = await api.request("POST", MEDIA, token, data=form(av.video(), description="a test pattern"))
    assert answer.status == 202
    body = await answer.json()
    assert_entity(body, MEDIA_ATTACHMENT)
    assert body["type"] == "video" and body["url"] is None and body["description"] == "a test pattern"
    assert body["preview_url"] is None
    assert (await api.request("GET", f"/api/v1/media/{body['id']}", token)).status == 206
    changed = await api.json("PUT", f"/api/v1/media/{body['id']}", token, data={"focus": "0.5,-0.5"})
    assert changed["url"] is None and changed["meta"]["focus"] == {"x": 0.5, "y": -0.5}
    early = await api.request("POST", STATUSES, token, json={"status": "clip", "media_ids": [body["id"]]})
    assert early.status == 422
    assert (await early.json())["error"] == NOT_READY

    assert await run_jobs(api) == 1
    done = await api.json("GET", f"/api/v1/media/{body['id']}", token)
    assert_entity(done, MEDIA_ATTACHMENT)
    assert done["type"] == "video" and done["url"].startswith(api.config.base_url) and done["blurhash"]
    assert done["preview_url"] != done["url"]
    meta = done["meta"]
    assert meta["original"]["width"] == 64 and meta["original"]["height"] == 48
    assert meta["original"]["frame_rate"] == "10/1" and 0.9 <= meta["original"]["duration"] <= 1.2
    assert (meta["fps"], meta["size"]) == (10, "64x48") and meta["length"].startswith("0:00:01")
    assert meta["small"] == {"width": 64, "height": 48, "size": "64x48", "aspect": 64 / 48}
    assert meta["focus"] == {"x": 0.5, "y": -0.5}  # set while it was processing, kept
    store = BlobStore(api.config.media_dir)
    served = await api.client.get(done["url"].removeprefix(api.config.base_url))
    assert served.status == 200 and served.content_type == "video/mp4"
    assert probe_streams(store.path(key_of(done))) == {"video": "h264", "audio": "aac"}
    preview = await api.client.get(done["preview_url"].removeprefix(api.config.base_url))
    assert preview.status == 200 and preview.content_type in ("image/jpeg", "image/webp")
    assert not list(incoming_dir(api.config).iterdir())  # the upload itself is gone

    status = await api.json("POST", STATUSES, token, json={"status": "clip", "media_ids": [body["id"]]})
    assert [m["id"] for m in status["media_attachments"]] == [body["id"]]
    assert status["media_attachments"][0]["meta"]["original"]["frame_rate"] == "10/1"


async def test_a_silent_video_is_a_gifv_and_an_h264_mp4_is_copied(api: Api) -> None:
    av.require_ffmpeg()
    token = await member_token(api)
    silent = await api.json("POST", MEDIA, token, status=202, data=form(av.video(audio=False)))
    assert silent["type"] == "gifv"
    mp4 = av.video(container="mp4")
    copied = await api.json("POST", MEDIA, token, status=202, data=form(mp4, "clip.mp4", "video/mp4"))
    await run_jobs(api)
    silent = await api.json("GET", f"/api/v1/media/{silent['id']}", token)
    copied = await api.json("GET", f"/api/v1/media/{copied['id']}", token)
    assert silent["type"] == "gifv" and silent["url"] and silent["blurhash"]
    store = BlobStore(api.config.media_dir)
    assert probe_streams(store.path(key_of(silent))) == {"video": "h264"}
    assert copied["type"] == "video"
    assert probe_streams(store.path(key_of(copied))) == {"video": "h264", "audio": "aac"}


async def test_an_animated_gif_becomes_a_silent_mp4_a_still_one_stays_an_image(api: Api) -> None:
    av.require_ffmpeg()
    token = await member_token(api)
    still = await api.json("POST", MEDIA, token, data=form(gif(), "still.gif", "image/gif"))
    assert still["type"] == "image" and still["url"]
    animated = form(gif(animated=True), "a.gif", "image/gif")
    body = await api.json("POST", MEDIA, token, status=202, data=animated)
    assert body["type"] == "gifv" and body["url"] is None
    await run_jobs(api)
    done = await api.json("GET", f"/api/v1/media/{body['id']}", token)
    assert done["type"] == "gifv" and done["url"].endswith(".mp4") and done["blurhash"]
    assert done["meta"]["original"]["size"] == "64x48" and done["meta"]["small"]["size"] == "64x48"
    assert probe_streams(BlobStore(api.config.media_dir).path(key_of(done))) == {"video": "h264"}


async def test_audio_becomes_mp3_with_its_duration(api: Api) -> None:
    av.require_ffmpeg()
    token = await member_token(api)
    body = await api.json("POST", MEDIA, token, status=202, data=form(av.audio(), "tone.wav", "audio/wav"))
    assert body["type"] == "audio" and body["url"] is None
    await run_jobs(api)
    done = await api.json("GET", f"/api/v1/media/{body['id']}", token)
    assert done["type"] == "audio" and done["url"].endswith(".mp3") and done["preview_url"] is None
    assert 0.9 <= done["meta"]["original"]["duration"] <= 1.2 and done["meta"]["duration"] > 0
    served = await api.client.get(done["url"].removeprefix(api.config.base_url))
    assert served.content_type == "audio/mpeg"
    assert probe_streams(BlobStore(api.config.media_dir).path(key_of(done))) == {"audio": "mp3"}


async def test_v1_answers_when_the_file_is_ready(api: Api) -> None:
    av.require_ffmpeg()
    token = await member_token(api)
    body = await api.json("POST", "/api/v1/media", token, data=form(av.video()))
    assert body["url"] and body["url"].endswith(".mp4") and body["meta"]["original"]["width"] == 64
    assert await run_jobs(api) == 0  # the job waits: it is there in case the request could not finish
    assert await api.count(MediaAttachment) == 1 and await api.count(Job) == 1
    files = stored_files(api)
    assert await run_jobs(api, hours_later=1) == 1  # later, it finds the file ready: nothing to do
    assert stored_files(api) == files and await api.count(Job) == 0
    assert (await api.json("GET", f"/api/v1/media/{body['id']}", token))["url"] == body["url"]


async def test_a_file_ffmpeg_cannot_convert_is_failed_422(api: Api) -> None:
    av.require_ffmpeg()
    token = await member_token(api)
    body = await api.json("POST", MEDIA, token, status=202, data=form(av.video()))
    waiting = next(incoming_dir(api.config).iterdir())
    waiting.write_bytes(waiting.read_bytes()[:200])  # damaged after it was checked
    await run_jobs(api)
    shown = await api.request("GET", f"/api/v1/media/{body['id']}", token)
    assert shown.status == 422
    assert (await shown.json())["error"] == "Error processing thumbnail for uploaded media"
    post = await api.request("POST", STATUSES, token, json={"status": "x", "media_ids": [body["id"]]})
    assert post.status == 422 and "could not be processed" in (await post.json())["error"]
    assert stored_files(api) == []


HOSTILE = {
    "html claiming to be a video": (b"<html><script>alert(1)</script></html>", "not accepted"),
    "an HLS playlist": (av.HLS_PLAYLIST, "not an image, video or audio format"),
    "a concat script": (av.CONCAT_SCRIPT, "not an image, video or audio format"),
    "a playlist behind an MP4 header": (av.mp4_wrapping(av.HLS_PLAYLIST), "not what it claims"),
    "a concat script behind an MP4 header": (av.mp4_wrapping(av.CONCAT_SCRIPT), "may be damaged"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_a_file_that_is_not_a_video_is_refused_and_leaves_nothing(api: Api,
                                                                        name: str) -> None:
    av.require_ffmpeg()
    data, expected = HOSTILE[name]
    token = await member_token(api)
    answer = await api.request("POST", MEDIA, token, data=form(data, "clip.mp4", "video/mp4"))
    assert answer.status == 422
    assert expected in (await answer.json())["error"]
    await assert_nothing_stored(api)


OVER = {
    "too long": ({"max_video_seconds": 1}, {"seconds": 2.0}, "is 2 seconds long; at most 1 seconds"),
    "too large a frame": ({"max_video_pixels": 64 * 48 - 1}, {}, "64x48 videos are not supported"),
    "too high a frame rate": ({"max_video_frame_rate": 9}, {}, "10fps videos are not supported"),
}


@pytest.mark.parametrize("name", list(OVER))
async def test_a_video_over_the_limits_is_refused_and_leaves_nothing(
        aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path, name: str) -> None:
    av.require_ffmpeg()
    limits, sample, expected = OVER[name]
    api = await start_api(aiohttp_client, sqlite_url, tmp_path, limits=limits)
    token = await member_token(api)
    answer = await api.request("POST", MEDIA, token, data=form(av.video(**sample)))
    assert answer.status == 422
    assert expected in (await answer.json())["error"]
    await assert_nothing_stored(api)


async def test_a_video_over_the_byte_cap_is_413_and_leaves_nothing(
        aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path) -> None:
    av.require_ffmpeg()
    data = av.video()
    api = await start_api(aiohttp_client, sqlite_url, tmp_path, limits={"max_upload_bytes": len(data) - 1})
    token = await member_token(api)
    answer = await api.request("POST", MEDIA, token, data=form(data))
    assert answer.status == 413
    await assert_nothing_stored(api)


async def test_without_ffmpeg_video_and_audio_are_refused_by_name(api: Api,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ffmpeg, "FFMPEG", "ffmpeg-not-installed-here")
    token = await member_token(api)
    for data, name, kind in ((av.mp4_wrapping(b"\0" * 64), "clip.mp4", "video/mp4"),
                             (mp3_head(), "a.mp3", "audio/mpeg")):
        answer = await api.request("POST", MEDIA, token, data=form(data, name, kind))
        assert answer.status == 422
        error = (await answer.json())["error"]
        assert "ffmpeg-not-installed-here is not installed" in error and "apt-get install ffmpeg" in error
    await assert_nothing_stored(api)
    configuration = (await api.json("GET", "/api/v2/instance"))["configuration"]["media_attachments"]
    assert configuration["supported_mime_types"] and all(
        t.startswith("image/") for t in configuration["supported_mime_types"])
    image = await api.json("POST", MEDIA, token, data=form(png(), "a.png", "image/png"))
    assert image["type"] == "image" and image["url"]
    animated = await api.json("POST", MEDIA, token, data=form(gif(animated=True), "a.gif", "image/gif"))
    assert animated["type"] == "image" and animated["url"].endswith(".gif")  # kept as uploaded
