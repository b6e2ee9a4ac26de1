"""Every limit the instance reports to apps is the one posting and profiles enforce.

Each test reads the number from `GET /api/v2/instance`, then sends exactly that much (accepted)
and one more (refused with 422), through the same API an app uses. Small node limits keep the
requests short; the numbers come from the answer, never from the test.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from pytest_aiohttp import AiohttpClient

from tests import av_samples as av
from tests.media_samples import png
from tests.ui.client_api import Api, start_api

STATUSES = "/api/v1/statuses"
UPDATE = "/api/v1/accounts/update_credentials"
Limited = tuple[Api, str, dict[str, Any]]  # the node, alice's token, the reported configuration
LIMITS = {"max_status_chars": 60, "max_media_attachments": 2, "poll_max_options": 3,
          "poll_max_option_chars": 7, "poll_min_expiration": 600, "poll_max_expiration": 7200}


@pytest.fixture
async def limited(aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path) -> Limited:
    api = await start_api(aiohttp_client, sqlite_url, tmp_path, limits=LIMITS)
    await api.member("alice")
    token = await api.token_for("alice")
    configuration = (await api.json("GET", "/api/v2/instance"))["configuration"]
    return api, token, configuration


async def _status(api: Api, token: str, body: dict[str, Any]) -> int:
    return (await api.request("POST", STATUSES, token, json=body)).status


async def test_max_characters_counts_links_as_apps_do(limited: Limited) -> None:
    api, token, configuration = limited
    statuses = configuration["statuses"]
    most, per_url = statuses["max_characters"], statuses["characters_reserved_per_url"]
    assert most == LIMITS["max_status_chars"]
    assert await _status(api, token, {"status": "a" * most}) == 200
    assert await _status(api, token, {"status": "a" * (most + 1)}) == 422
    long_link = "https://example.org/" + "p" * 200  # far longer than the limit, counted as per_url
    text = long_link + " " + "b" * (most - per_url - 1)
    assert await _status(api, token, {"status": text}) == 200
    assert await _status(api, token, {"status": text + "b"}) == 422


async def test_a_content_warning_counts_towards_max_characters(limited: Limited) -> None:
    api, token, configuration = limited
    most = configuration["statuses"]["max_characters"]
    assert await _status(api, token, {"status": "a" * (most - 10), "spoiler_text": "w" * 10}) == 200
    assert await _status(api, token, {"status": "a" * (most - 10), "spoiler_text": "w" * 11}) == 422


async def test_max_media_attachments(limited: Limited) -> None:
    api, token, configuration = limited
    most = configuration["statuses"]["max_media_attachments"]
    ids = []
    for _ in range(most + 1):
        form = FormData()
        form.add_field("file", png(), filename="a.png", content_type="image/png")
        ids.append((await api.json("POST", "/api/v2/media", token, data=form))["id"])
    assert await _status(api, token, {"status": "too many", "media_ids": ids}) == 422
    assert await _status(api, token, {"status": "enough", "media_ids": ids[:most]}) == 200


async def test_media_description_limit(limited: Limited) -> None:
    api, token, configuration = limited
    most = configuration["media_attachments"]["description_limit"]
    for length, expected in ((most, 200), (most + 1, 422)):
        form = FormData()
        form.add_field("file", png(), filename="a.png", content_type="image/png")
        form.add_field("description", "d" * length)
        assert (await api.request("POST", "/api/v2/media", token, data=form)).status == expected


async def test_poll_limits(limited: Limited) -> None:
    api, token, configuration = limited
    polls = configuration["polls"]
    assert polls == {"max_options": 3, "max_characters_per_option": 7, "min_expiration": 600,
                     "max_expiration": 7200}

    def poll(options: list[str], expires_in: int) -> dict[str, Any]:
        return {"status": "which?", "poll": {"options": options, "expires_in": expires_in}}

    options = [f"o{n}" for n in range(polls["max_options"])]
    at_most = polls["max_expiration"]
    assert await _status(api, token, poll(options, at_most)) == 200
    assert await _status(api, token, poll([*options, "more"], at_most)) == 422
    longest = ["x" * polls["max_characters_per_option"], "y"]
    assert await _status(api, token, poll(longest, at_most)) == 200
    assert await _status(api, token, poll([longest[0] + "x", "y"], at_most)) == 422
    assert await _status(api, token, poll(["a", "b"], polls["min_expiration"])) == 200
    assert await _status(api, token, poll(["a", "b"], polls["min_expiration"] - 1)) == 422
    assert await _status(api, token, poll(["a", "b"], at_most + 1)) == 422


async def test_the_default_poll_limits_are_the_enforced_ones(api: Api) -> None:
    """The default node config, as `make run` writes it: what apps read is what posting checks."""
    await api.member("alice")
    token = await api.token_for("alice")
    polls = (await api.json("GET", "/api/v2/instance"))["configuration"]["polls"]
    for seconds, expected in ((polls["max_expiration"], 200), (polls["max_expiration"] + 1, 422)):
        ask = {"status": "which?", "poll": {"options": ["a", "b"], "expires_in": seconds}}
        assert await _status(api, token, ask) == expected


async def test_profile_limits(limited: Limited) -> None:
    api, token, configuration = limited
    accounts = configuration["accounts"]

    async def update(data: dict[str, str]) -> int:
        return (await api.request("PATCH", UPDATE, token, data=data)).status

    assert await update({"display_name": "n" * accounts["max_display_name_length"]}) == 200
    assert await update({"display_name": "n" * (accounts["max_display_name_length"] + 1)}) == 422
    assert await update({"note": "n" * accounts["max_note_length"]}) == 200
    assert await update({"note": "n" * (accounts["max_note_length"] + 1)}) == 422
    name, value = accounts["profile_field_name_limit"], accounts["profile_field_value_limit"]
    assert await update({"fields_attributes[0][name]": "k" * name,
                         "fields_attributes[0][value]": "v" * value}) == 200
    key, val = "fields_attributes[0][name]", "fields_attributes[0][value]"
    assert await update({key: "k" * (name + 1), val: "v"}) == 422
    assert await update({key: "k", val: "v" * (value + 1)}) == 422
    most = accounts["max_profile_fields"]
    fields = {f"fields_attributes[{n}][{part}]": f"{part}{n}"
              for n in range(most + 1) for part in ("name", "value")}
    assert await update(fields) == 422
    fields = {k: v for k, v in fields.items() if not k.startswith(f"fields_attributes[{most}]")}
    assert await update(fields) == 200


async def test_max_pinned_statuses(limited: Limited) -> None:
    api, token, configuration = limited
    most = configuration["accounts"]["max_pinned_statuses"]
    posted = [await api.json("POST", STATUSES, token, json={"status": f"post {n}"}) for n in range(most + 1)]
    for status in posted[:most]:
        assert (await api.request("POST", f"{STATUSES}/{status['id']}/pin", token)).status == 200
    assert (await api.request("POST", f"{STATUSES}/{posted[most]['id']}/pin", token)).status == 422



async def _video_node(aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path,
                      limits: dict[str, int]) -> tuple[dict[str, Any], Callable[[bytes], Awaitable[int]]]:
    """The reported media configuration of a node with these limits, and an upload of a WebM."""
    api = await start_api(aiohttp_client, sqlite_url, tmp_path, limits=limits)
    await api.member("alice")
    token = await api.token_for("alice")

    async def upload(data: bytes) -> int:
        form = FormData()
        form.add_field("file", data, filename="clip.webm", content_type="video/webm")
        return (await api.request("POST", "/api/v2/media", token, data=form)).status

    return (await api.json("GET", "/api/v2/instance"))["configuration"]["media_attachments"], upload


async def test_video_frame_size_and_rate(aiohttp_client: AiohttpClient, sqlite_url: str,
                                         tmp_path: Path) -> None:
    av.require_ffmpeg()
    media, upload = await _video_node(aiohttp_client, sqlite_url, tmp_path,
                                      {"max_video_pixels": 64 * 48, "max_video_frame_rate": 10})
    pixels, rate = media["video_matrix_limit"], media["video_frame_rate_limit"]
    assert (pixels, rate) == (64 * 48, 10) and "video/webm" in media["supported_mime_types"]
    assert await upload(av.video(size="64x48", rate=rate)) == 202
    assert await upload(av.video(size="66x48", rate=rate)) == 422  # 3,168 pixels a frame
    assert await upload(av.video(size="64x48", rate=rate + 1)) == 422


async def test_video_size(aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path) -> None:
    av.require_ffmpeg()
    sample = av.video()
    media, upload = await _video_node(aiohttp_client, sqlite_url, tmp_path, {"max_upload_bytes": len(sample)})
    assert media["video_size_limit"] == len(sample)
    assert await upload(sample) == 202
    assert await upload(sample + b"\0") == 413
