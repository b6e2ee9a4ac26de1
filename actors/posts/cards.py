"""Link preview cards: the first link of a post, described by the page it points to.

After a status is stored (local or remote) with a link and no media, one `actors.card` job
fetches the page through the node's guarded client (SSRF checks on every hop, text/html
only, at most 1 MiB read, a time limit, no signature), reads its `<head>` (`card_page`, in a
linear-time walker, in a thread off the event loop) and
stores a `preview_cards` row keyed by the URL, shared by every post linking it and fetched
again after 14 days (a failure after a day: its reason is kept in `error`, and the job does
not fail, so a bad page is never retried in a loop). `status_cards` links the post to it.

Skipped: boosts, posts with media or a content warning (a card would show what the warning
hides), links that are mentions or hashtags, links to this node. The card's image is kept as
the page gives it (an http(s) URL) and is not fetched here.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts.card_page import PageCard, read_page, tags
from federation.urls import is_local
from storage import queue
from storage.errors import AmityError
from storage.models import Actor, MediaAttachment, Mention, PreviewCard, Status, StatusCard, utcnow
from storage.queue import RetryPolicy
from storage.worker import JobContext

if TYPE_CHECKING:
    from federation.services import Services

CARD_KIND = "actors.card"
CARD_POLICY = RetryPolicy(max_attempts=3)  # only the database failing makes the job fail
MAX_PAGE_BYTES = 1_048_576
FETCH_SECONDS = 15.0
REFRESH_AFTER = timedelta(days=14)
RETRY_FAILED_AFTER = timedelta(days=1)
REMOTE_SPREAD_SECONDS = (1.0, 60.0)  # many servers get a popular post at once: not all fetch at once
HTML = ("text/html",)
MAX_URL = 2048
MAX_ERROR = 500
_SKIP_CLASSES = frozenset({"mention", "hashtag", "u-url", "h-card"})
log = logging.getLogger("amity.cards")


def _normal(url: str) -> str | None:
    """An http(s) URL without its fragment, or None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.username:
        return None
    normal = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))
    return normal if len(normal) <= MAX_URL else None


def first_link(content_html: str, *, skip: Iterable[str] = (), local_domain: str | None = None) -> str | None:
    """The first link of a post worth a card: http(s), not a mention or hashtag, not in `skip`
    (the mentioned actors' addresses), not on this node."""
    skipped = set(skip)
    for href in _hrefs(content_html or ""):
        url = _normal(href)
        if url is None or href in skipped or url in skipped:
            continue
        if local_domain is not None and is_local(url, local_domain):
            continue
        return url
    return None


def _hrefs(content_html: str) -> Iterator[str]:
    """The hrefs of a post's links that are not mentions or hashtags (by their markup)."""
    for tag in tags(content_html):
        if tag.closing or tag.name != "a" or not tag.attrs.get("href"):
            continue
        classes = set(tag.attrs.get("class", "").split())
        if "tag" in tag.attrs.get("rel", "").split() or _SKIP_CLASSES & classes:
            continue
        yield tag.attrs["href"].strip()


def _wants_card(status: Status) -> bool:
    return status.reblog_of_id is None and not status.summary


async def enqueue_card(session: AsyncSession, status: Status) -> bool:
    """After a status is stored: queue its card job if it has a link (in the caller's transaction).

    Remote posts wait a random minute, as Mastodon's do, so that the servers receiving a
    popular post do not all fetch its link in the same second.
    """
    if not _wants_card(status) or first_link(status.content) is None:
        return False
    delay = 0.0 if status.local else random.uniform(*REMOTE_SPREAD_SECONDS)
    await queue.enqueue(session, CARD_KIND, {"status_id": status.id}, delay_seconds=delay)
    return True


async def refresh_card(session: AsyncSession, status: Status) -> bool:
    """After an edit: the old card goes, a new one is looked for (the link may have changed)."""
    await session.execute(delete(StatusCard).where(StatusCard.status_id == status.id))
    return await enqueue_card(session, status)


async def run_card(ctx: JobContext) -> None:
    await fetch_card(ctx.deps, int(ctx.payload["status_id"]))


async def fetch_card(services: Services, status_id: int) -> PreviewCard | None:
    """The card of a status: found (fresh) or fetched now, linked to the status. None if it
    has none (no link, media, a failure: see the card's `error`)."""
    async with services.sessions() as session:
        url = await _card_url(session, status_id, services.domain)
        if url is None:
            return None
        card = await session.scalar(select(PreviewCard).where(PreviewCard.url == url))
    if card is not None and _fresh(card):
        if card.error is not None:
            return None
        async with services.sessions() as session, session.begin():
            await _link(session, status_id, card.id)
        return card
    page, error = await _fetch(services, url)  # no transaction open while the page loads
    async with services.sessions() as session, session.begin():
        card = await _store(session, url, page, error)
        if page is not None:
            await _link(session, status_id, card.id)
    log.info("cards.fetched", extra={"url": url, "error": error})
    return card if page is not None else None


async def _card_url(session: AsyncSession, status_id: int, local_domain: str) -> str | None:
    status = await session.get(Status, status_id)
    if status is None or not _wants_card(status):
        return None
    if await session.scalar(select(exists().where(MediaAttachment.status_id == status_id))):
        return None
    if await session.scalar(select(exists().where(StatusCard.status_id == status_id))):
        return None
    mentioned = (await session.execute(select(Actor.uri, Actor.url)
                                       .join(Mention, Mention.actor_id == Actor.id)
                                       .where(Mention.status_id == status_id))).all()
    skip = {address for row in mentioned for address in row if address}
    return first_link(status.content, skip=skip, local_domain=local_domain)


def _fresh(card: PreviewCard) -> bool:
    if card.fetched_at is None:
        return False
    return utcnow() - card.fetched_at < (REFRESH_AFTER if card.error is None else RETRY_FAILED_AFTER)


async def _fetch(services: Services, url: str) -> tuple[PageCard | None, str | None]:
    """(the page's card, None) or (None, why there is none)."""
    try:
        async with asyncio.timeout(FETCH_SECONDS):
            result = await services.client.get_page(url, accept=HTML, max_bytes=MAX_PAGE_BYTES)
    except TimeoutError:
        return None, f"{url} took longer than {FETCH_SECONDS:g} s"
    except AmityError as exc:  # refused address, HTTP error, wrong type, unreachable...
        return None, str(exc)[:MAX_ERROR]
    # parsing is CPU work (up to MAX_PAGE_BYTES): in a thread, so the event loop keeps serving
    content_type = result.headers.get("Content-Type")
    page = await asyncio.to_thread(read_page, result.data, content_type, result.final_url)
    if page is None:
        return None, f"{url} has no title"
    return page, None


async def _store(session: AsyncSession, url: str, page: PageCard | None, error: str | None) -> PreviewCard:
    card = await session.scalar(select(PreviewCard).where(PreviewCard.url == url))
    if card is None:
        try:
            async with session.begin_nested():
                card = PreviewCard(url=url)
                session.add(card)
        except IntegrityError:  # another job stored it meanwhile
            card = await session.scalar(select(PreviewCard).where(PreviewCard.url == url))
            assert card is not None
    if page is not None:
        card.type, card.title, card.description = "link", page.title, page.description
        card.image_url, card.width, card.height = page.image_url, page.width, page.height
        card.provider_name, card.author_name = page.provider_name, page.author_name
        card.language = page.language
    card.error = error
    card.fetched_at = utcnow()
    await session.flush()
    return card


async def _link(session: AsyncSession, status_id: int, card_id: int) -> None:
    if await session.get(Status, status_id) is None:
        return  # deleted while its card was fetched
    if not await session.scalar(select(exists().where(StatusCard.status_id == status_id))):
        session.add(StatusCard(status_id=status_id, card_id=card_id))
        await session.flush()


async def card_for(session: AsyncSession, status_id: int) -> PreviewCard | None:
    """The preview card to show with a status (for the API), if it has a usable one."""
    return (await cards_for(session, [status_id])).get(status_id)


async def cards_for(session: AsyncSession, status_ids: Sequence[int]) -> dict[int, PreviewCard]:
    """Cards of many statuses in one query (timelines)."""
    if not status_ids:
        return {}
    rows = await session.execute(select(StatusCard.status_id, PreviewCard)
                                 .join(PreviewCard, PreviewCard.id == StatusCard.card_id)
                                 .where(StatusCard.status_id.in_(status_ids), PreviewCard.error.is_(None)))
    return {status_id: card for status_id, card in rows.all()}
