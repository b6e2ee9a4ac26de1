"""Avatar and header in `update_credentials`, and `DELETE /api/v1/profile/avatar|header` (4.2).

`read_credentials` reads the request as `read_params` does, except that a multipart body is
streamed: each `avatar`/`header` file is refused with 413 as soon as it passes the cap, before
anything is stored (aiohttp's `post()` would buffer it under the 1 MiB API body cap instead).
An empty `avatar`/`header` value removes the image, as Mastodon.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from actors.accounts import profile_images
from actors.accounts.profile import update_profile
from actors.media.uploads import read_limited
from storage.errors import Invalid
from storage.media_files import mib
from storage.models import Actor, User
from ui.api.auth import MemberAuth
from ui.api.entities import credential_account, load_account_stats, pending_follow_requests
from ui.api.responses import json_ok
from ui.api.routing import urls
from ui.keys import SERVICES
from ui.params import (
    MAX_TEXT_PART_BYTES,
    Params,
    RequestTooLarge,
    nest,
    next_part,
    read_params,
    read_text_part,
)

IMAGE_FIELDS = (profile_images.AVATAR, profile_images.HEADER)
MAX_TEXT_PARTS = 200
MULTIPART_OVERHEAD = 65_536


@dataclass(frozen=True)
class CredentialsForm:
    params: Params
    images: dict[str, bytes | None]  # avatar/header → the uploaded file, or None to remove it


def _too_large(message: str) -> web.HTTPRequestEntityTooLarge:
    return RequestTooLarge(message)


async def read_credentials(request: web.Request, config_cap: int) -> CredentialsForm:
    if request.content_type != "multipart/form-data":
        params = await read_params(request)
        images: dict[str, bytes | None] = {}
        for name in IMAGE_FIELDS:
            if name in params.data:
                if params.data[name] not in ("", None):
                    raise Invalid(f"send the {name} as a file in a multipart/form-data body")
                images[name] = None
        return CredentialsForm(params, images)
    return await _read_multipart(request, config_cap)


async def _read_multipart(request: web.Request, cap: int) -> CredentialsForm:
    if request.content_length is not None and request.content_length > 2 * cap + MULTIPART_OVERHEAD:
        raise _too_large(f"the request is {mib(request.content_length)}; an avatar or header may be "
                         f"at most {mib(cap)}")
    reader = await request.multipart()
    pairs: list[tuple[str, str]] = []
    images: dict[str, bytes | None] = {}
    while (part := await next_part(reader)) is not None:
        if part.name is None:
            continue
        if part.name in IMAGE_FIELDS and part.filename is not None:
            try:
                images[part.name] = await read_limited(part.read_chunk, declared_length=None, limit=cap)
            except Invalid:
                raise _too_large(f"the {part.name} is more than {mib(cap)}; it may be at most {mib(cap)}"
                                 ) from None
            continue
        if len(pairs) >= MAX_TEXT_PARTS:
            raise Invalid("too many fields")
        text = await read_text_part(part, MAX_TEXT_PART_BYTES)
        if part.name in IMAGE_FIELDS:
            if text:
                raise Invalid(f"send the {part.name} as a file, or empty to remove it")
            images[part.name] = None
        else:
            pairs.append((part.name, text))
    return CredentialsForm(Params(nest(pairs, into=nest(request.query))), images)


@asynccontextmanager
async def image_swap(request: web.Request, images: dict[str, bytes | None]
                     ) -> AsyncIterator[profile_images.ImageSwap]:
    """New files stored before the body runs (a refused file raises first, writing nothing);
    the losers deleted after it: replaced blobs if it succeeded, new ones if it failed."""
    services = request.app[SERVICES]
    uploads = {name: data for name, data in images.items() if data is not None}
    stored = await profile_images.store(services, uploads)
    swap = profile_images.ImageSwap({name: stored.get(name) for name in images})
    try:
        yield swap
    except BaseException:
        profile_images.forget(services.config, swap.new_keys)
        raise
    profile_images.forget(services.config, swap.replaced)


async def _remove(request: web.Request, auth: MemberAuth, which: str) -> web.Response:
    services = request.app[SERVICES]
    async with image_swap(request, {which: None}) as swap, services.sessions() as db, db.begin():
        actor = await db.get(Actor, auth.actor.id)
        user = await db.get(User, auth.user.id)
        assert actor is not None and user is not None
        if swap.apply(actor, base_url=urls(request).base_url):
            await update_profile(db, actor, base_url=urls(request).base_url)
        stats = (await load_account_stats(db, [actor.id]))[actor.id]
        body = credential_account(actor, user, stats, urls(request),
                                  follow_requests=await pending_follow_requests(db, actor.id))
    return json_ok(body)


async def delete_avatar(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _remove(request, auth, profile_images.AVATAR)


async def delete_header(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _remove(request, auth, profile_images.HEADER)
