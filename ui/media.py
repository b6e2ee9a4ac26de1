"""`GET /media/{key}`: files from the blob store, served so that no file can act as a page.

The content type comes from the key's suffix, which the node chose from the file's verified
content when it stored it (`storage.sniff.SUFFIX_TYPES`); it is never `text/html` nor an
ActivityStreams type. Every answer says `nosniff` and carries a sandboxing CSP, so even a file
crafted to look like HTML is never run as one; anything not image/audio/video would be a
download. Keys are checked against the blob store's pattern before the filesystem is touched,
so no request reaches a path outside the media directory. Ranges (audio, video) and
conditional requests are aiohttp's `FileResponse`. There is no listing: a file is reachable
only through its unguessable key, which is how media of non-public posts stays private.
"""

from __future__ import annotations

from aiohttp import web

from storage.blobs import MEDIA_PATH, BlobStore
from storage.errors import NotFound
from storage.sniff import SUFFIX_TYPES
from ui.keys import SERVICES

MEDIA_CSP = "default-src 'none'; sandbox"
CACHE_FOREVER = "public, max-age=31536000, immutable"  # a key never names other bytes
_INLINE_KINDS = ("image/", "audio/", "video/")


def media_headers(content_type: str) -> dict[str, str]:
    headers = {
        "Content-Type": content_type,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": MEDIA_CSP,
        "Cache-Control": CACHE_FOREVER,
        "Access-Control-Allow-Origin": "*",  # web apps on other origins show our media
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if not content_type.startswith(_INLINE_KINDS):
        headers["Content-Disposition"] = "attachment"
    return headers


async def serve_media(request: web.Request) -> web.StreamResponse:
    key = request.match_info["key"]
    store = BlobStore(request.app[SERVICES].config.media_dir)
    try:
        path = store.path(key)  # NotFound for anything that is not a key the store makes
    except NotFound:
        raise web.HTTPNotFound() from None
    if not path.is_file():
        raise web.HTTPNotFound()
    suffix = key.rsplit(".", 1)[-1]
    content_type = SUFFIX_TYPES.get(suffix, "application/octet-stream")
    return web.FileResponse(path, headers=media_headers(content_type))


def setup(app: web.Application) -> None:
    app.router.add_get(MEDIA_PATH + "{key:.+}", serve_media)
