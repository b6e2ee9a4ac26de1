"""What a member typed → the HTML of a post, as Mastodon renders it (no database, no network).

Two source formats: `text/plain` (Mastodon's default: paragraphs on blank lines, <br> on
line breaks) and `text/markdown` (the `markdown` package; raw HTML in the source is escaped,
never passed through). Both then get one pass over their text nodes, outside links and code:

- URLs become links shortened for display as Mastodon's (`https://` and whatever passes 30
  characters hidden by the `invisible`/`ellipsis` classes);
- `@user` and `@user@host` become h-card mention links when the caller resolved them (see
  `actors.posts.post_content.prepare_mentions`), and stay plain text otherwise;
- `#tag` becomes a link to the node's tag page with class `mention hashtag`;
- `:shortcode:` is left as text (clients put the image in from the post's `Emoji` tags) and
  only collected.

The result always goes through `federation.sanitize.clean_html`.
"""

from __future__ import annotations

import html
import re
import threading
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

import markdown

from federation.sanitize import clean_html
from storage.domain_names import canonical_or_none

PLAIN, MARKDOWN, HTML = "text/plain", "text/markdown", "text/html"
FORMATS = (PLAIN, MARKDOWN)
MAX_TAG_CHARS = 100
DISPLAY_URL_CHARS = 30  # Mastodon shows this much of a link's address
URL_WEIGHT = 23  # what a link counts towards a post's length (`characters_reserved_per_url`)

# @user or @user@host[:port] (Mastodon's MENTION_RE, plus a port for development nodes). The
# username is written so that each of its characters can be matched one way only: Mastodon's
# `[a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?` backtracks quadratically on `@aaaa…a@@`.
MENTION = re.compile(r"(?<![\w/@])@([a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)"
                     r"(?:@((?:[\w-]+\.)*[\w-]+(?::\d{1,5})?))?(?![\w@])", re.IGNORECASE)
# #tag: letters, digits, underscores, at least one non-digit (Mastodon's HASHTAG_RE, simplified).
HASHTAG = re.compile(r"(?<![\w/)#&])#(\w*[^\W\d]\w*)")
URL = re.compile(r"https?://[^\s<>\"'\x00-\x1f]+", re.IGNORECASE)
EMOJI = re.compile(r"(?<![\w:]):([A-Za-z0-9_]{2,}):(?![\w:])")
_URL_PREFIX = re.compile(r"^https?://(?:www\.)?", re.IGNORECASE)
_TRAILING = ".,;:!?'\""
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"^</?\s*([a-zA-Z0-9]+)")
_NO_AUTOLINK = frozenset({"a", "code", "pre"})


@dataclass(frozen=True)
class MentionTarget:
    """A resolved `@user[@host]`: where its link goes and the name it shows."""

    actor_id: int
    uri: str
    url: str
    username: str


@dataclass
class Composed:
    html: str
    mentions: list[MentionTarget] = field(default_factory=list)  # in order of first use
    hashtags: list[str] = field(default_factory=list)  # as written, first use of each name
    emojis: list[str] = field(default_factory=list)  # shortcodes, without colons
    handles: list[tuple[str, str | None]] = field(default_factory=list)  # every @user[@host] seen


def normalize_tag(name: str) -> str:
    """The stored form of a hashtag: NFKC, lower-case (#Garden and #garden are one tag)."""
    return unicodedata.normalize("NFKC", name).lower()


def mention_key(username: str, domain: str | None) -> str:
    """How mentions are looked up: `user` (local) or `user@host`, lower-case, the host canonical."""
    return f"{username.lower()}@{canonical_or_none(domain) or domain.lower()}" if domain else username.lower()


def compose(source: str, fmt: str, *, base_url: str, local_domain: str,
            mentions: Mapping[str, MentionTarget]) -> Composed:
    """Render `source` in format `fmt` to sanitized HTML with links, mentions and hashtags."""
    if fmt == MARKDOWN:
        body = markdown_to_html(source)
    elif fmt == PLAIN:
        body = plain_to_html(source)
    else:
        raise ValueError(f"unknown source format {fmt!r}")
    composed = Composed("")
    composed.html = clean_html(_decorate(body, _Decorator(composed, base_url, local_domain, mentions)))
    return composed


def plain_to_html(text: str, render_line: Callable[[str], str] = lambda line: html.escape(line, quote=False)
                  ) -> str:
    """Text in paragraphs (blank lines) with <br> for single line breaks, each line rendered
    by `render_line` (escaped, by default)."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [p for p in re.split(r"\n[ \t]*\n+", normalized) if p.strip()]
    return "".join("<p>" + "<br>".join(render_line(line) for line in p.split("\n")) + "</p>"
                   for p in paragraphs)


def plain_text_to_html(text: str) -> str:
    """Plain text with nothing resolved (a local profile's note and field values, an imported
    post): paragraphs, <br>, http(s) URLs as links, sanitized like any HTML."""
    return clean_html(plain_to_html(text, _linkify))


def _linkify(line: str) -> str:
    out, pos = [], 0
    for match in URL.finditer(line):
        url = match.group(0).rstrip(_TRAILING + ")]}")
        out.append(html.escape(line[pos:match.start()]))
        out.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
        pos = match.start() + len(url)
    out.append(html.escape(line[pos:]))
    return "".join(out)


class _Markdown(threading.local):
    def __init__(self) -> None:
        md = markdown.Markdown(extensions=["fenced_code", "sane_lists", "nl2br"], output_format="html")
        md.preprocessors.deregister("html_block")  # raw HTML is text, never markup
        md.inlinePatterns.deregister("html")
        # A heading needs a space after its #s (as CommonMark): a post starting "#garden" is a tag.
        md.parser.blockprocessors["hashheader"].RE = re.compile(
            r"(?:^|\n)(?P<level>#{1,6})[ \t]+(?P<header>(?:\\.|[^\\])*?)#*(?:\n|$)")
        self.md = md


_markdown = _Markdown()


def markdown_to_html(text: str) -> str:
    md = _markdown.md
    md.reset()
    return str(md.convert(text))


def scan(source: str, fmt: str) -> tuple[list[tuple[str, str | None]], list[str]]:
    """Mentions (username, domain or None) and emoji shortcodes a source uses outside code,
    without resolving anything: what `actors.posts.post_content.prepare_mentions` and the emoji
    lookup need."""
    body = markdown_to_html(source) if fmt == MARKDOWN else plain_to_html(source)
    found = Composed("")
    _decorate(body, _Decorator(found, "", "", {}))
    return found.handles, found.emojis


class _Decorator:
    """Turns one text node into HTML, recording what it used in `out`."""

    def __init__(self, out: Composed, base_url: str, local_domain: str,
                 mentions: Mapping[str, MentionTarget]) -> None:
        self.out, self.base_url, self.local_domain, self.mentions = out, base_url, local_domain, mentions
        self._tags: set[str] = set()
        self._actors: set[int] = set()

    def text(self, raw: str, *, linkify: bool, in_code: bool) -> str:
        if not in_code:
            for code in EMOJI.findall(raw):
                if code not in self.out.emojis:
                    self.out.emojis.append(code)
        if not linkify:
            return html.escape(raw, quote=False)
        return _replace(raw, [(URL, self._url), (MENTION, self._mention), (HASHTAG, self._hashtag)])

    def _url(self, match: re.Match[str]) -> tuple[str, int]:
        url = match.group(0)
        while (url and url[-1] in _TRAILING) or (url.endswith(")") and url.count("(") < url.count(")")):
            url = url[:-1]
        return link_html(url), len(url)

    def _mention(self, match: re.Match[str]) -> tuple[str, int]:
        username, domain = match.group(1), match.group(2)
        if domain and domain.lower() == self.local_domain.lower():
            domain = None
        self.out.handles.append((username, domain))
        target = self.mentions.get(mention_key(username, domain))
        if target is None:
            return html.escape(match.group(0), quote=False), len(match.group(0))
        if target.actor_id not in self._actors:
            self._actors.add(target.actor_id)
            self.out.mentions.append(target)
        return (f'<span class="h-card"><a href="{html.escape(target.url)}" class="u-url mention">'
                f'@<span>{html.escape(target.username)}</span></a></span>'), len(match.group(0))

    def _hashtag(self, match: re.Match[str]) -> tuple[str, int]:
        name = match.group(1)[:MAX_TAG_CHARS]
        key = normalize_tag(name)
        if key not in self._tags:
            self._tags.add(key)
            self.out.hashtags.append(name)
        href = html.escape(tag_url(self.base_url, key))
        return (f'<a href="{href}" class="mention hashtag" rel="tag">#<span>{html.escape(name)}</span></a>',
                len(match.group(1)) + 1)


Replacer = Callable[[re.Match[str]], tuple[str, int]]


def _replace(raw: str, patterns: list[tuple[re.Pattern[str], Replacer]]) -> str:
    """Escape `raw`, replacing the leftmost match of any pattern (earlier patterns win ties)."""
    out, pos = [], 0
    while pos < len(raw):
        best: tuple[re.Match[str], Replacer] | None = None
        for pattern, replacer in patterns:
            match = pattern.search(raw, pos)
            if match and (best is None or match.start() < best[0].start()):
                best = (match, replacer)
        if best is None:
            break
        match, replacer = best
        rendered, length = replacer(match)
        out.append(html.escape(raw[pos:match.start()], quote=False))
        out.append(rendered)
        pos = match.start() + max(length, 1)
    out.append(html.escape(raw[pos:], quote=False))
    return "".join(out)


def tag_url(base_url: str, name: str) -> str:
    return f"{base_url}/tags/{quote(normalize_tag(name), safe='')}"


def link_html(url: str) -> str:
    """A link shown as Mastodon shows it: the scheme hidden, the rest cut at 30 characters."""
    prefix = _URL_PREFIX.match(url)
    start = prefix.end() if prefix else 0
    shown, rest = url[start:start + DISPLAY_URL_CHARS], url[start + DISPLAY_URL_CHARS:]
    ellipsis = ' class="ellipsis"' if rest else ""
    return (f'<a href="{html.escape(url)}"><span class="invisible">{html.escape(url[:start])}</span>'
            f'<span{ellipsis}>{html.escape(shown)}</span>'
            f'<span class="invisible">{html.escape(rest)}</span></a>')


def _decorate(body: str, decorator: _Decorator) -> str:
    """Apply `decorator` to the text nodes of HTML we generated ourselves (every `<` and `>` in
    text is escaped there, so splitting on tags is exact); links and code are left alone."""
    out: list[str] = []
    open_blocking: list[str] = []
    for piece in _TAG.split(body):
        if piece.startswith("<"):
            name_match = _TAG_NAME.match(piece)
            name = name_match.group(1).lower() if name_match else ""
            if name in _NO_AUTOLINK:
                if piece.startswith("</"):
                    if name in open_blocking:
                        open_blocking.remove(name)
                elif not piece.endswith("/>"):
                    open_blocking.append(name)
            out.append(piece)
        elif piece:
            out.append(decorator.text(html.unescape(piece), linkify=not open_blocking,
                                      in_code="code" in open_blocking or "pre" in open_blocking))
    return _fix_autolinks("".join(out))


_AUTOLINK = re.compile(r'<a href="([^"]*)">\1</a>')


def _fix_autolinks(body: str) -> str:
    """Markdown autolinks (`<https://…>`), whose text is their address, shortened like bare URLs."""
    return _AUTOLINK.sub(lambda m: link_html(html.unescape(m.group(1))) if URL.fullmatch(
        html.unescape(m.group(1))) else m.group(0), body)


def countable_length(text: str) -> int:
    """A post's length as Mastodon counts it (and apps show it): each link counts URL_WEIGHT
    characters whatever its length, and `@user@host` counts as `@user`."""
    def link(match: re.Match[str]) -> str:
        url = match.group(0)
        kept = url.rstrip(_TRAILING)
        return "x" * URL_WEIGHT + url[len(kept):]
    return len(MENTION.sub(lambda m: "@" + m.group(1), URL.sub(link, text)))
