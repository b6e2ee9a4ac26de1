"""Multipart bodies from apps: a text part is refused (413) as soon as it passes its cap, never
read whole; odd upload file names (NUL, direction overrides, 1,000 characters, broken
encodings) get a clear answer, never a 500, and store nothing unexpected."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from storage.models import MediaAttachment
from tests.ui.client_api import Api

MEDIA = "/api/v2/media"
UPDATE = "/api/v1/accounts/update_credentials"
BOUNDARY = "hostile-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def part(disposition: bytes, body: bytes, content_type: bytes = b"image/png") -> bytes:
    return (f"--{BOUNDARY}\r\n".encode() + b"Content-Disposition: form-data; " + disposition
            + b"\r\nContent-Type: " + content_type + b"\r\n\r\n" + body + b"\r\n")


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


async def streamed_text_part(name: str, size: int) -> AsyncIterator[bytes]:
    """A multipart body whose text part `name` is `size` bytes, sent in chunks (no length)."""
    yield f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
    chunk = b"x" * 1_048_576
    for _ in range(size // len(chunk)):
        yield chunk
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.mark.parametrize(("path", "name"), [(MEDIA, "description"), (UPDATE, "note")])
async def test_a_50_mb_text_part_is_refused_without_being_read_whole(api: Api, path: str, name: str) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    method = "POST" if path == MEDIA else "PATCH"
    response = await api.request(method, path, token, data=streamed_text_part(name, 50 * 1_048_576),
                                 headers={"Content-Type": MULTIPART})
    assert response.status == 413
    assert name in (await response.json())["error"]
    assert await api.count(MediaAttachment) == 0


NAMES = [b'filename="a\x00b.png"', 'filename="\u202egnp.exe"'.encode(),
         b'filename="' + b"n" * 1000 + b'.png"',
         b"filename*=utf-8''%00%E2%80%AEx.png", b"filename*=utf-8''%ff%fe.png", b"filename*=bogus''x.png",
         b'filename="', b"filename=\"a\r\n b.png\""]


@pytest.mark.parametrize("filename", NAMES)
async def test_an_upload_with_an_odd_file_name_is_answered_clearly(api: Api, filename: bytes) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    data = body(part(b'name="file"; ' + filename, png_bytes()))
    response = await api.request("POST", MEDIA, token, data=data, headers={"Content-Type": MULTIPART})
    assert response.status in (200, 400, 422), await response.text()
    if response.status != 200:
        assert "error" in await response.json()
    assert await api.count(MediaAttachment) == (1 if response.status == 200 else 0)


@pytest.mark.parametrize("filename", NAMES)
async def test_an_avatar_with_an_odd_file_name_is_answered_clearly(api: Api, filename: bytes) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    data = body(part(b'name="avatar"; ' + filename, png_bytes()))
    response = await api.request("PATCH", UPDATE, token, data=data, headers={"Content-Type": MULTIPART})
    assert response.status in (200, 400, 422), await response.text()
