"""Which language version of a post a reader gets.

A post has a primary language (`statuses.language`, its `content`) and may carry other
versions (`content_map`, and `summary_map` when the content warnings differ). The version
shown is the first that matches, in order: the reader's own preference (their
`default_language`, then their interface `locale`), then the request's `Accept-Language`
(by q-value), then the primary. A preference `pt` matches a version `pt-br` and the reverse.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Status, User

_RANGE = re.compile(r"^[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*$")
MAX_RANGES = 20


@dataclass(frozen=True)
class Version:
    language: str | None
    content: str  # sanitized HTML
    summary: str  # content warning, plain text
    primary: bool


def versions(status: Status) -> dict[str, Version]:
    """Every version of a status by language, the primary first."""
    found: dict[str, Version] = {}
    if status.language:
        found[status.language] = Version(status.language, status.content, status.summary, True)
    summaries = status.summary_map or {}
    for lang, content in (status.content_map or {}).items():
        if lang not in found:
            found[lang] = Version(lang, content, summaries.get(lang, status.summary), False)
    return found


def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges of an Accept-Language header, best first (q=0 and `*` dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((header or "").split(",")[:MAX_RANGES]):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip()
        if not _RANGE.match(tag):
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag.lower()))
    return [tag for _, _, tag in sorted(ranked)]


def pick(status: Status, preferences: Sequence[str]) -> Version:
    """The version for a reader with these language preferences (best first)."""
    available = versions(status)
    for wanted in preferences:
        wanted = wanted.lower().replace("_", "-")
        if wanted in available:
            return available[wanted]
        base = wanted.split("-", 1)[0]
        for lang, version in available.items():
            if lang.split("-", 1)[0] == base:
                return version
    if available:
        return next(iter(available.values()))
    return Version(status.language, status.content, status.summary, True)


async def reader_preferences(session: AsyncSession, reader_actor_id: int | None,
                             accept_language: str | None) -> list[str]:
    """A local reader's languages (default_language, locale), then the request's."""
    preferences: list[str] = []
    if reader_actor_id is not None:
        row = (await session.execute(select(User.default_language, User.locale)
                                     .where(User.actor_id == reader_actor_id))).first()
        if row is not None:
            preferences += [lang for lang in row if lang]
    return preferences + parse_accept_language(accept_language)
