"""The text of a local post, every language version of it, and whom it mentions.

`build` turns what the author typed (one primary source, optionally other language versions
of it, and content warnings) into the stored HTML, the mentioned accounts, the hashtags and
the custom emoji used, inside the write; `store_parts` writes the tag and emoji rows.

*Mentions*: who `@user` and `@user@host` are is resolved before the post is written.
`prepare_mentions` runs before the write transaction (it may ask remote servers through
WebFinger, each lookup under a timeout), and its answer is handed to `build`, which only
looks up in the database what `prepare_mentions` did not resolve: nothing in the write touches
the network. A mention nobody can resolve stays plain text, as on Mastodon.

*Link rows*: the hashtags and custom emoji attached to statuses, local and remote (the inbox
stores a remote post's with `set_status_tags` and `set_status_emojis` too).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts import emoji as emoji_rows
from actors.posts.compose import (
    FORMATS,
    MAX_TAG_CHARS,
    Composed,
    MentionTarget,
    compose,
    countable_length,
    mention_key,
    normalize_tag,
    scan,
)
from federation.client import FetchError
from federation.resolve import resolve_actor, webfinger
from federation.sanitize import plain_text
from federation.services import Services
from federation.urls import shown_url
from storage import settings
from storage.config import NodeConfig
from storage.domain_names import canonical_or_none
from storage.errors import AmityError, Invalid
from storage.models import Actor, CustomEmoji, StatusEmoji, StatusTag, Tag, User
from storage.models.base import new_id

LOOKUP_TIMEOUT = 5.0  # seconds for one remote WebFinger + actor fetch
MAX_MENTIONS = 20  # distinct handles resolved per post; more stay plain text


@dataclass(frozen=True)
class PreparedMentions:
    """Mentions resolved ahead of the write, keyed by `mention_key` (`user` or `user@host`)."""

    targets: Mapping[str, MentionTarget] = field(default_factory=dict)


NOTHING = PreparedMentions()


def target_of(actor: Actor) -> MentionTarget:
    return MentionTarget(actor_id=actor.id, uri=actor.uri, url=shown_url(actor.url, actor.uri),
                         username=actor.username)


def handles_in(sources: Iterable[tuple[str, str]]) -> list[tuple[str, str | None]]:
    """Distinct (username, domain) pairs mentioned in (source, format) pairs, first MAX_MENTIONS."""
    found: dict[str, tuple[str, str | None]] = {}
    for source, fmt in sources:
        for username, domain in scan(source, fmt)[0]:
            found.setdefault(mention_key(username, domain), (username, domain))
    return list(found.values())[:MAX_MENTIONS]


async def known(session: AsyncSession, handles: Iterable[tuple[str, str | None]], local_domain: str
                ) -> dict[str, MentionTarget]:
    """The handles this node already knows, in one query (suspended accounts are not)."""
    conditions = []
    for username, written in handles:
        domain = canonical_or_none(written) if written else None
        if written and domain is None:
            continue  # not a domain: nobody to find
        if domain is None or domain == local_domain:
            conditions.append(and_(Actor.domain.is_(None), func.lower(Actor.username) == username.lower()))
        else:
            conditions.append(and_(Actor.domain == domain, func.lower(Actor.username) == username.lower()))
    if not conditions:
        return {}
    actors = (await session.scalars(
        select(Actor).where(or_(*conditions), Actor.suspended_at.is_(None)))).all()
    return {mention_key(a.username, a.domain): target_of(a) for a in actors}


async def prepare_mentions(services: Services, sources: Iterable[tuple[str, str]], *,
                  lookup_seconds: float = LOOKUP_TIMEOUT) -> PreparedMentions:
    """Resolve the mentions of the given (source, format) pairs: known accounts from the
    database, unknown remote ones through WebFinger (concurrently, each under `lookup_seconds`)."""
    handles = handles_in(sources)
    if not handles:
        return NOTHING
    async with services.sessions() as session:
        targets = await known(session, handles, services.domain)
    missing = [(u, d) for u, d in handles if d and mention_key(u, d) not in targets
               and canonical_or_none(d) != services.domain]
    found = await asyncio.gather(*(_remote(services, u, d, lookup_seconds) for u, d in missing))
    for (username, domain), target in zip(missing, found, strict=True):
        if target is not None:
            targets[mention_key(username, domain)] = target
    return PreparedMentions(targets)


async def _remote(services: Services, username: str, domain: str, seconds: float) -> MentionTarget | None:
    try:
        async with asyncio.timeout(seconds):
            uri = await webfinger(services, username, domain)
            actor = await resolve_actor(services, uri)
    except (TimeoutError, FetchError, AmityError) as exc:
        log.info("mention.unresolved", extra={"handle": f"{username}@{domain}", "reason": str(exc)[:200]})
        return None
    if actor.suspended_at is not None:
        return None
    return target_of(actor)


async def resolve_in_session(session: AsyncSession, handles: Iterable[tuple[str, str | None]],
                             prepared: PreparedMentions, local_domain: str) -> dict[str, MentionTarget]:
    """`prepared`'s targets plus what the database knows of the rest (no network)."""
    targets = dict(prepared.targets)
    rest = [(u, d) for u, d in handles if mention_key(u, d) not in targets]
    targets.update(await known(session, rest, local_domain))
    return targets


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
        raise Invalid(f"Validation failed: Text character limit of {config.limits.max_status_chars} exceeded")


async def build(session: AsyncSession, config: NodeConfig, author: Actor, *, text: str,
                content_type: str | None, language: str | None, content_map: Mapping[str, str],
                summary: str, summary_map: Mapping[str, str],
                prepared: PreparedMentions = NOTHING,
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
    targets = await resolve_in_session(session, handles[:MAX_MENTIONS * 2],
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


log = logging.getLogger("amity.mentions")


MAX_TAGS = 50  # per status; Mastodon keeps every tag, but a post with more is spam


async def tag_ids(session: AsyncSession, names: Sequence[str]) -> dict[str, int]:
    """normalised name -> tag id, creating the missing tags (safe against concurrent inserts)."""
    wanted: dict[str, str] = {}
    for name in names:
        display = name[:MAX_TAG_CHARS]
        wanted.setdefault(normalize_tag(display), display)
    if not wanted:
        return {}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(insert(Tag).values([
        {"id": new_id(), "name": key, "display_name": display} for key, display in wanted.items()
    ]).on_conflict_do_nothing(index_elements=["name"]))
    rows = await session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(wanted)))
    return {name: tag_id for name, tag_id in rows.all()}


async def set_status_tags(session: AsyncSession, status_id: int, names: Sequence[str], *,
                          replace: bool = False) -> None:
    if replace:
        await session.execute(delete(StatusTag).where(StatusTag.status_id == status_id))
    ids = await tag_ids(session, list(names)[:MAX_TAGS])
    session.add_all(StatusTag(status_id=status_id, tag_id=tag_id) for tag_id in sorted(set(ids.values())))
    await session.flush()


async def set_status_emojis(session: AsyncSession, status_id: int, emoji_ids: Sequence[int], *,
                            replace: bool = False) -> None:
    if replace:
        await session.execute(delete(StatusEmoji).where(StatusEmoji.status_id == status_id))
    session.add_all(StatusEmoji(status_id=status_id, emoji_id=emoji_id)
                    for emoji_id in sorted(set(emoji_ids)))
    await session.flush()
