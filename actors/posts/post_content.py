"""The text of a local post, every language version of it, composed inside the write.

`build` turns what the author typed (one primary source, optionally other language versions
of it, and content warnings) into the stored HTML, the mentioned accounts, the hashtags and
the custom emoji used; `store_parts` writes the tag and emoji rows. Mentions come from
`actors.posts.mentions.prepare` (run before the transaction) plus what the database knows: nothing
here touches the network.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts import emoji as emoji_rows
from actors.posts import mentions as mention_lookup
from actors.posts.compose import FORMATS, Composed, compose, countable_length, scan
from actors.posts.tags import set_status_emojis, set_status_tags
from federation.sanitize import plain_text
from storage import settings
from storage.config import NodeConfig
from storage.errors import Invalid
from storage.models import Actor, CustomEmoji, User

LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
MAX_VERSIONS = 8  # languages per post
MAX_SUMMARY_CHARS = 500


@dataclass
class PostContent:
    content: str
    language: str
    content_map: dict[str, str]  # every version, the primary included
    summary: str
    summary_map: dict[str, str]  # only when the content warnings differ between versions
    source_text: str
    source_type: str
    source_map: dict[str, str]  # the other versions' sources
    mentioned: list[Actor] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    emojis: list[CustomEmoji] = field(default_factory=list)


def language_code(value: str, what: str = "language") -> str:
    code = value.strip().lower().replace("_", "-")
    if not LANGUAGE.match(code) or len(code) > 16:
        raise Invalid(f"{what} {value!r} is not a language code such as en, pt or pt-br")
    return code


async def default_language(session: AsyncSession, author: Actor) -> str:
    """The author's own default, else the node's `default_language` setting."""
    chosen = await session.scalar(select(User.default_language).where(User.actor_id == author.id))
    return chosen or str(await settings.get(session, "default_language"))


async def default_format(session: AsyncSession, author: Actor) -> str:
    chosen = await session.scalar(select(User.default_format).where(User.actor_id == author.id))
    return chosen if chosen in FORMATS else FORMATS[0]


def check_length(config: NodeConfig, text: str, summary: str) -> None:
    """The text and content warning together fit `max_status_chars`, counted as apps count them."""
    if countable_length(text) + len(summary) > config.limits.max_status_chars:
        raise Invalid(f"a status is at most {config.limits.max_status_chars} characters")


async def build(session: AsyncSession, config: NodeConfig, author: Actor, *, text: str,
                content_type: str | None, language: str | None, content_map: Mapping[str, str],
                summary: str, summary_map: Mapping[str, str],
                prepared: mention_lookup.PreparedMentions = mention_lookup.NOTHING,
                allow_empty: bool = False) -> PostContent:
    """Compose every language version; `allow_empty`: the primary may be empty (a post of media)."""
    fmt = content_type or await default_format(session, author)
    if fmt not in FORMATS:
        raise Invalid(f"content_type must be one of: {', '.join(FORMATS)}")
    primary = language_code(language) if language else await default_language(session, author)
    sources = {primary: text}
    for lang, source in content_map.items():
        code = language_code(lang, "content_map language")
        if code != primary:
            sources[code] = source
    if len(sources) > MAX_VERSIONS:
        raise Invalid(f"a post has at most {MAX_VERSIONS} language versions")
    summaries = _summaries(primary, summary, summary_map, sources)
    for lang, source in sources.items():
        if not source.strip() and not (allow_empty and lang == primary):
            raise Invalid("a status needs some text" if lang == primary else f"the {lang} version is empty")
        check_length(config, source, summaries.get(lang, ""))
    handles, shortcodes = [], []
    for source in sources.values():
        found_handles, found_codes = scan(source, fmt)
        handles += found_handles
        shortcodes += found_codes
    targets = await mention_lookup.resolve_in_session(session, handles[:mention_lookup.MAX_MENTIONS * 2],
                                                      prepared, config.domain)
    versions = {lang: compose(source, fmt, base_url=config.base_url, local_domain=config.domain,
                              mentions=targets) for lang, source in sources.items()}
    return await _assemble(session, primary, fmt, sources, versions, summaries)


def _summaries(primary: str, summary: str, summary_map: Mapping[str, str], sources: Mapping[str, str]
               ) -> dict[str, str]:
    """Each version's content warning (plain text): its own from summary_map, else the primary's."""
    out = {lang: plain_text(summary, limit=MAX_SUMMARY_CHARS) for lang in sources}
    for lang, value in summary_map.items():
        code = language_code(lang, "summary_map language")
        if code not in sources:
            raise Invalid(f"summary_map has a content warning for {code}, which has no version")
        out[code] = plain_text(value, limit=MAX_SUMMARY_CHARS)
    return out


async def _assemble(session: AsyncSession, primary: str, fmt: str, sources: dict[str, str],
                    versions: dict[str, Composed], summaries: dict[str, str]) -> PostContent:
    mention_ids: list[int] = []
    hashtags: dict[str, None] = {}
    shortcodes: dict[str, None] = {}
    for composed in versions.values():
        mention_ids += [m.actor_id for m in composed.mentions if m.actor_id not in mention_ids]
        hashtags.update(dict.fromkeys(composed.hashtags))
        shortcodes.update(dict.fromkeys(composed.emojis))
    actors = {a.id: a for a in (await session.scalars(select(Actor).where(Actor.id.in_(mention_ids)))).all()
              } if mention_ids else {}
    found_emojis = await emoji_rows.local_by_shortcode(session, shortcodes)
    several = len(sources) > 1
    return PostContent(
        content=versions[primary].html, language=primary,
        content_map={lang: v.html for lang, v in versions.items()} if several else {},
        summary=summaries[primary],
        summary_map=dict(summaries) if several and len(set(summaries.values())) > 1 else {},
        source_text=sources[primary], source_type=fmt,
        source_map={lang: s for lang, s in sources.items() if lang != primary},
        mentioned=[actors[i] for i in mention_ids if i in actors],
        hashtags=list(hashtags),
        emojis=[found_emojis[c] for c in shortcodes if c in found_emojis],
    )


async def store_parts(session: AsyncSession, status_id: int, built: PostContent, *, replace: bool = False
                      ) -> None:
    """The status's tag and emoji rows (an edit replaces the old ones)."""
    await set_status_tags(session, status_id, built.hashtags, replace=replace)
    await set_status_emojis(session, status_id, [e.id for e in built.emojis], replace=replace)
