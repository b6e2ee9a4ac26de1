"""What a web page says about itself in its `<head>`: OpenGraph, Twitter and plain HTML tags.

Pure parsing (no network, no database) by a small tag walker (`tags`) that is linear in the
page's length whatever the page holds: the page is read until `</head>` or `<body>` and no
further. Every value comes out as plain text with
a length cap (tags, control and direction-override characters removed); the image is kept as
an absolute http(s) URL, never fetched here.
"""

from __future__ import annotations

import codecs
import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from federation.sanitize import plain_text

MAX_TITLE = 300
MAX_DESCRIPTION = 1000
MAX_NAME = 200
MAX_URL = 2048
MAX_LANGUAGE = 16
MAX_DIMENSION = 10_000
MAX_META_TAGS = 500  # a head with more is junk; later ones are ignored
_SKIPPED = frozenset({"script", "style", "template", "noscript", "svg"})
_CHARSET = re.compile(rb"""<meta[^>]{1,256}charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# never a page's real encoding: ways to smuggle markup past a reader (utf-7, backslash escapes)
_NOT_PAGE_ENCODINGS = frozenset({"utf-7", "unicode-escape", "raw-unicode-escape", "punycode", "idna"})
_LANGUAGE = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class PageCard:
    title: str
    description: str = ""
    image_url: str | None = None
    width: int = 0  # of the image, as the page declares it
    height: int = 0
    provider_name: str = ""
    author_name: str = ""
    language: str | None = None


_TAG_START = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)")
_SPACE = re.compile(r"[\s/]*")
_ATTRIBUTE_NAME = re.compile(r"[^\s/>][^\s/>=]*")
_EQUALS = re.compile(r"\s*=\s*")
_UNQUOTED = re.compile(r"[^\s>]*")
_TEXT_UNTIL_END = {name: re.compile(rf"</{name}[\s/>]", re.IGNORECASE) for name in (*_SKIPPED, "title")}
MAX_ATTRIBUTES = 32  # per tag; later ones are ignored (still read past)
MAX_HEAD_TAGS = 5_000  # a head with more is junk: reading stops there


@dataclass(frozen=True)
class PageTag:
    name: str  # lower case
    closing: bool
    attrs: dict[str, str]  # names lower case, values with character references decoded
    text: str = ""  # of a title, script, style...: everything up to its end tag, as written


def tags(page: str) -> Iterator[PageTag]:
    """The tags of `page`, in order; comments and doctypes skipped.

    Linear time by construction: every step moves forward, and a construct left open (a tag,
    a quoted value, a comment, a title without its end) ends the walk, as the end of the file
    does in a browser; nothing is scanned twice. (`html.parser` rescans an unclosed `<meta` at
    every later `<`: a 1 MiB hostile page took minutes.)
    """
    pos = 0
    while (start := page.find("<", pos)) >= 0:
        if page.startswith("<!--", start):
            pos = page.find("-->", start + 4) + 3
            if pos < 3:
                return
            continue
        found = _TAG_START.match(page, start)
        if found is None:  # `<!doctype …>`, `<?…>`, or a lone "<" in text
            pos = page.find(">", start) + 1 if page.startswith(("<!", "<?", "</"), start) else start + 1
            if pos == 0:
                return
            continue
        name, closing = found.group(2).lower(), found.group(1) == "/"
        pos, attrs = _attributes(page, found.end())
        if pos < 0:
            return
        text = ""
        if not closing and name in _TEXT_UNTIL_END:
            end = _TEXT_UNTIL_END[name].search(page, pos)
            if end is None:
                return
            text, pos = page[pos:end.start()], end.start()
        yield PageTag(name, closing, attrs, text)


def _attributes(page: str, pos: int) -> tuple[int, dict[str, str]]:
    """A tag's attributes from `pos`, and where the tag ends (-1 if it never does)."""
    attrs: dict[str, str] = {}
    while True:
        pos = _match(_SPACE, page, pos).end()
        if pos >= len(page):
            return -1, attrs
        if page[pos] == ">":
            return pos + 1, attrs
        name = _match(_ATTRIBUTE_NAME, page, pos).group(0)  # one character at least
        pos += len(name)
        value = ""
        if equals := _EQUALS.match(page, pos):
            pos = equals.end()
            if pos < len(page) and page[pos] in "\"'":
                close = page.find(page[pos], pos + 1)
                if close < 0:
                    return -1, attrs
                value, pos = page[pos + 1:close], close + 1
            else:
                value = _match(_UNQUOTED, page, pos).group(0)
                pos += len(value)
        if len(attrs) < MAX_ATTRIBUTES:
            attrs.setdefault(name.lower(), html.unescape(value))


def _match(pattern: re.Pattern[str], page: str, pos: int) -> re.Match[str]:
    found = pattern.match(page, pos)
    assert found is not None  # the patterns used here always match here
    return found


class _Head:
    """What the head says: the `<html lang>`, the first `<title>`, the first value of each meta."""

    def __init__(self, page: str) -> None:
        self.meta: dict[str, str] = {}
        self.title: str | None = None  # None: none, or cut off before its end
        self.language: str | None = None
        metas = 0
        for count, tag in enumerate(tags(page)):
            if count == MAX_HEAD_TAGS or tag.name == ("head" if tag.closing else "body"):
                break
            if tag.closing:
                continue
            if tag.name == "html" and tag.attrs.get("lang"):
                self.language = tag.attrs["lang"]
            elif tag.name == "title" and self.title is None:
                self.title = html.unescape(tag.text)
            elif tag.name == "meta" and metas < MAX_META_TAGS:
                metas += 1
                key = (tag.attrs.get("property") or tag.attrs.get("name") or "").strip().lower()
                if key and "content" in tag.attrs:
                    self.meta.setdefault(key, tag.attrs["content"])


def decode(body: bytes, content_type: str | None) -> str:
    """The page as text: the charset of the Content-Type, else of a `<meta>`, else UTF-8."""
    charset = None
    if content_type and "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
    if not charset:
        found = _CHARSET.search(body[:4096])
        charset = found.group(1).decode("ascii") if found else None
    try:
        codec = codecs.lookup(charset or "utf-8").name
    except LookupError:
        codec = "utf-8"
    if codec in _NOT_PAGE_ENCODINGS:
        codec = "utf-8"
    try:
        return body.decode(codec, errors="replace")
    except (LookupError, UnicodeError):  # rot13, base64, idna…: codecs, but not text encodings
        return body.decode("utf-8", errors="replace")


def clean_text(value: str, limit: int) -> str:
    """Plain text: tags stripped, whitespace collapsed, control and format characters dropped."""
    # Before the sanitizer (which turns control characters into "?") and after it (which
    # unescapes entities such as "&#x202e;" that were text in the page).
    return " ".join(_visible(plain_text(_visible(value[:limit * 20]), limit=limit)).split())


def _visible(text: str) -> str:
    return "".join(" " if ch.isspace() else ch for ch in text
                   if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs"))


def clean_url(value: str, base: str) -> str | None:
    """An absolute http(s) URL with a host and no credentials or whitespace, else None."""
    value = value.strip()
    if not value or any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in value):
        return None
    absolute = urljoin(base, value)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    return absolute if len(absolute) <= MAX_URL else None


def _dimension(value: str | None) -> int:
    try:
        number = int((value or "").strip())
    except ValueError:
        return 0
    return number if 0 < number <= MAX_DIMENSION else 0


def _language(*candidates: str | None) -> str | None:
    for candidate in candidates:
        tag = (candidate or "").strip().replace("_", "-")
        if tag and len(tag) <= MAX_LANGUAGE and _LANGUAGE.match(tag):
            primary, _, rest = tag.partition("-")
            return primary.lower() + ("-" + rest if rest else "")
    return None


def read_page(body: bytes, content_type: str | None, page_url: str) -> PageCard | None:
    """The card of a fetched page (CPU work: the caller runs it in a thread)."""
    return parse_head(decode(body, content_type), page_url)


def parse_head(html_text: str, page_url: str) -> PageCard | None:
    """The card a page describes; None when it has no title to show."""
    head = _Head(html_text)
    meta = head.meta

    def first(*keys: str) -> str:
        return next((meta[k] for k in keys if meta.get(k, "").strip()), "")

    title = clean_text(first("og:title", "twitter:title") or head.title or "", MAX_TITLE)
    if not title:
        return None
    image = first("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")
    image_url = clean_url(image, page_url) if image else None
    return PageCard(
        title=title,
        description=clean_text(first("og:description", "twitter:description", "description"),
                               MAX_DESCRIPTION),
        image_url=image_url,
        width=_dimension(meta.get("og:image:width")) if image_url else 0,
        height=_dimension(meta.get("og:image:height")) if image_url else 0,
        provider_name=clean_text(first("og:site_name"), MAX_NAME),
        author_name=clean_text(first("author"), MAX_NAME),
        language=_language(head.language, meta.get("og:locale")),
    )
