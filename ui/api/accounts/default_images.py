"""The default avatar and header images (at Mastodon's paths), made here as small PNGs."""

from __future__ import annotations

import functools
import struct
import zlib

from aiohttp import web

from ui.api.entities import DEFAULT_AVATAR_PATH, DEFAULT_HEADER_PATH

AVATAR_SIZE = (400, 400)
HEADER_SIZE = (1500, 500)
AVATAR_RGB = (0x9B, 0xAE, 0xC8)  # Mastodon's placeholder blue-grey
HEADER_RGB = (0xD9, 0xE1, 0xE8)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    row = b"\x00" + bytes(rgb) * width  # filter byte 0, then RGB pixels
    pixels = zlib.compress(row * height, 9)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def _image(data: bytes) -> web.Response:
    return web.Response(body=data, content_type="image/png",
                        headers={"Cache-Control": "public, max-age=86400"})


async def avatar(request: web.Request) -> web.Response:
    return _image(solid_png(*AVATAR_SIZE, AVATAR_RGB))


async def header(request: web.Request) -> web.Response:
    return _image(solid_png(*HEADER_SIZE, HEADER_RGB))


def setup(app: web.Application) -> None:
    app.router.add_get(DEFAULT_AVATAR_PATH, avatar)
    app.router.add_get(DEFAULT_HEADER_PATH, header)
