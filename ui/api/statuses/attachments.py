"""Media uploads: `POST /api/v2/media` (and v1), `GET`/`PUT /api/v1/media/:id`.

The upload is read as a stream (never more than the cap: an oversized file is refused with
413 as soon as it is known to be too big, and nothing is stored), then processed by
`actors.media.uploads.upload`. An image is done before the answer (200 with its URL); video and
audio are transcoded in a job, so v2 answers 202 with `url: null`, and `GET /api/v1/media/:id`
206 until the file is ready (200), or 422 if it could not be processed, as Mastodon. v1, as
Mastodon's, converts before answering. Descriptions and focal points can be changed until
the attachment is part of a status (then the status is edited), as on Mastodon, where an
attached upload is no longer found here.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from actors.media import transcoding, uploads
from storage import sniff
from storage.errors import Invalid
from storage.media_files import mib
from storage.models import MEDIA_FAILED, MEDIA_READY, MediaAttachment
from ui.api.auth import MemberAuth
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import path_id, urls
from ui.api.statuses.entity import media_attachment
from ui.keys import SERVICES
from ui.params import next_part, read_params, read_text_part

MAX_FIELD_BYTES = 16_384  # description and focus fields of the multipart body
MULTIPART_OVERHEAD = 65_536  # boundaries and the small fields around the file
PROCESSING_ERROR = "Error processing thumbnail for uploaded media"  # Mastodon's words, for any failure


class UploadTooLarge(Exception):
    pass


def _too_large(message: str) -> web.Response:
    return json_ok({"error": message}, status=413)


async def _read_upload(request: web.Request, limit: int) -> tuple[bytes, str | None, dict[str, str]]:
    """(file bytes, its declared type, the text fields) from a multipart body, read in chunks."""
    if request.content_type != "multipart/form-data":
        raise Invalid("send the file as multipart/form-data, in a field named file")
    if request.content_length is not None and request.content_length > limit + MULTIPART_OVERHEAD:
        raise UploadTooLarge(f"the file is {mib(request.content_length)}; a file may be at most {mib(limit)}")
    reader = await request.multipart()
    data: bytes | None = None
    declared: str | None = None
    fields: dict[str, str] = {}
    while (part := await next_part(reader)) is not None:
        if part.name == "file" and part.filename is not None:
            try:
                data = await uploads.read_limited(part.read_chunk, declared_length=None, limit=limit)
            except Invalid as exc:
                raise UploadTooLarge(str(exc)) from None
            declared = part.headers.get("Content-Type")
        elif part.name in ("description", "focus", "thumbnail"):
            fields[part.name] = await read_text_part(part, MAX_FIELD_BYTES)
        else:
            await part.release()
    if data is None:
        raise Invalid("the file is missing: send it in a multipart field named file")
    return data, declared, fields


def _image_over_cap(data: bytes, cap: int) -> bool:
    try:
        kind = sniff.sniff(data[:4096]).kind
    except Invalid:
        return False  # not an accepted type at all: upload() says so
    return kind == "image" and len(data) > cap


def render_media(item: MediaAttachment, request: web.Request) -> dict[str, Any]:
    entity = media_attachment(item, urls(request))
    if item.processing != MEDIA_READY:
        entity["url"] = None
    return entity


async def _upload(request: web.Request, auth: MemberAuth, *, v2: bool) -> web.Response:
    services = request.app[SERVICES]
    limits = services.config.limits
    try:
        data, declared, fields = await _read_upload(request, limits.max_upload_bytes)
    except UploadTooLarge as exc:
        return _too_large(str(exc))
    if _image_over_cap(data, limits.max_image_bytes):
        cap = mib(limits.max_image_bytes)
        return _too_large(f"the file is {mib(len(data))}; an image may be at most {cap}")
    focus = uploads.parse_focus(fields["focus"]) if fields.get("focus") else None
    async with services.sessions() as db, db.begin():
        item = await uploads.upload(db, services, auth.actor, data, declared_type=declared,
                                  description=fields.get("description"), focus=focus, converted_now=not v2)
        body = render_media(item, request)
        ready = item.processing == MEDIA_READY
    if ready:
        return json_ok(body)
    if v2:
        services.wake_workers()  # committed: the transcoding job can start now
        return json_ok(body, status=202)
    await transcoding.transcode(services, item.id)  # v1 answers with the file, as Mastodon's
    async with services.sessions() as db:
        done = await db.get(MediaAttachment, item.id)
        if done is None or done.processing != MEDIA_READY:
            return json_ok({"error": PROCESSING_ERROR}, status=422)
        return json_ok(render_media(done, request))


async def upload_v2(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _upload(request, auth, v2=True)


async def upload_v1(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _upload(request, auth, v2=False)


async def _unattached(db: AsyncSession, auth: MemberAuth, media_id: int) -> MediaAttachment:
    item = await db.get(MediaAttachment, media_id)
    if item is None or item.actor_id != auth.actor.id or item.status_id is not None:
        api_error(404, NOT_FOUND)
    return item


async def show(request: web.Request, auth: MemberAuth) -> web.Response:
    """The upload (206 while it is processing, 422 if that failed, as Mastodon)."""
    async with request.app[SERVICES].sessions() as db:
        item = await _unattached(db, auth, path_id(request))
        body = render_media(item, request)
    if item.processing == MEDIA_FAILED:
        return json_ok({"error": PROCESSING_ERROR}, status=422)
    return json_ok(body, status=200 if item.processing == MEDIA_READY else 206)


async def update(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    focus_text = params.text("focus")
    focus = uploads.parse_focus(focus_text) if focus_text else None
    services = request.app[SERVICES]
    async with request.app[SERVICES].sessions() as db, db.begin():
        item = await _unattached(db, auth, path_id(request))
        await uploads.update_media(db, services.config, auth.actor, item.id,
                                 description=params.text("description"), focus=focus)
        body = render_media(item, request)
    return json_ok(body)
