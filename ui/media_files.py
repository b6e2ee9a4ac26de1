"""`GET /media/{key}`: files from the blob store (custom emoji for now).

Keys are the blob store's random names, checked against its pattern before any path is
built, so nothing outside the media directory can be named. Files are served with a type
from their suffix only (never sniffed), `nosniff`, a sandboxing Content-Security-Policy and a
long cache lifetime (a key never changes content).
"""

from __future__ import annotations

from aiohttp import web

from storage.blobs import BlobStore
from storage.errors import NotFound
from ui.keys import CONFIG

TYPES = {"png": "image/png", "gif": "image/gif", "webp": "image/webp", "jpg": "image/jpeg",
         "jpeg": "image/jpeg", "avif": "image/avif", "mp4": "video/mp4", "webm": "video/webm",
         "mp3": "audio/mpeg", "ogg": "audio/ogg"}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "public, max-age=31536000, immutable",
    "Cross-Origin-Resource-Policy": "cross-origin",  # remote servers and apps show our emoji
}


async def media_file(request: web.Request) -> web.StreamResponse:
    store = BlobStore(request.app[CONFIG].media_dir)
    key = request.match_info["key"]
    try:
        path = store.path(key)
    except NotFound:
        raise web.HTTPNotFound() from None
    if not path.is_file():
        raise web.HTTPNotFound()
    kind = TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")
    return web.FileResponse(path, headers={**HEADERS, "Content-Type": kind})


def setup(app: web.Application) -> None:
    app.router.add_get("/media/{key:.+}", media_file)
