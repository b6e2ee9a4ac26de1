"""What a web page says about itself in its `<head>`: OpenGraph, Twitter and plain HTML tags.

Pure parsing (no network, no database), with the standard library's `html.parser`: the page
is read until `</head>` or `<body>` and no further. Every value comes out as plain text with
a length cap (tags, control and direction-override characters removed); the image is kept as
an absolute http(s) URL, never fetched here.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
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
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
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


class _Done(Exception):
    """The head is over: nothing after it is read."""


class _HeadParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: list[str] = []
        self.language: str | None = None
        self._in_title = False
        self.title_ended = False
        self._skipping = 0
        self._metas = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        if tag == "body":
            raise _Done
        if tag == "html" and values.get("lang"):
            self.language = values["lang"]
        elif tag in _SKIPPED:
            self._skipping += 1
        elif tag == "title" and not self.title_ended:
            self._in_title = True
        elif tag == "meta" and self._metas < MAX_META_TAGS:
            self._metas += 1
            key = (values.get("property") or values.get("name") or "").strip().lower()
            if key and "content" in values:
                self.meta.setdefault(key, values["content"])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIPPED:  # <svg/> and friends open nothing
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            raise _Done
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag == "title" and self._in_title:
            self._in_title, self.title_ended = False, True

    def handle_data(self, data: str) -> None:
        if self._in_title and not self._skipping:
            self.title.append(data)


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
    if codec in ("utf-7",):  # never a page's real encoding; a known way to smuggle markup
        codec = "utf-8"
    return body.decode(codec, errors="replace")


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


def parse_head(html: str, page_url: str) -> PageCard | None:
    """The card a page describes; None when it has no title to show."""
    parser = _HeadParser()
    try:
        parser.feed(html)
        parser.close()
    except _Done:
        pass
    meta = parser.meta

    def first(*keys: str) -> str:
        return next((meta[k] for k in keys if meta.get(k, "").strip()), "")

    whole_title = "".join(parser.title) if parser.title_ended else ""  # not cut off by the size cap
    title = clean_text(first("og:title", "twitter:title") or whole_title, MAX_TITLE)
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
        language=_language(parser.language, meta.get("og:locale")),
    )
