"""HTML from other servers (and our own output) through one strict allow-list, as Mastodon's.

Mastodon's `Sanitize::Config::MASTODON_STRICT`, rebuilt on bleach (html5lib):

- tags: p br span a del pre blockquote code b strong u i em ul ol li; h1-h6 are folded into
  `<p><strong>…</strong></p>` as Mastodon does; every other tag is dropped and its text kept,
  except script, style, svg, math, template, iframe, object, noscript… whose contents go too;
- attributes: `a href`, `class` on a/span/p (microformat classes only: h-*, p-*, u-*, dt-*,
  e-*, mention, hashtag, ellipsis, invisible), `ol start reversed`, `li value` (integers);
- links: absolute URLs with the schemes in `LINK_PROTOCOLS` only (bleach decodes entities and
  drops whitespace and control characters before checking); a link with any other scheme, or
  a relative one, becomes its text. Every link gets `rel="nofollow noopener noreferrer"` and
  `target="_blank"`;
- comments dropped; remote HTML is not linkified (Mastodon does not either).

Remote content goes through `clean_html` when it arrives, and again when a page shows it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import bleach
from bleach.html5lib_shim import BleachHTMLParser, Filter

from federation.limits import MAX_CONTENT_CHARS

# Mastodon's LINK_PROTOCOLS: the web, and a few peer-to-peer and chat schemes people link to.
LINK_PROTOCOLS = frozenset({"http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp",
                            "magnet", "gemini"})
ALLOWED_PROTOCOLS = LINK_PROTOCOLS  # the old name, kept for callers
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
ALLOWED_TAGS = frozenset({"p", "br", "span", "a", "del", "pre", "blockquote", "code", "b", "strong", "u",
                          "i", "em", "ul", "ol", "li"})
ALLOWED_ATTRIBUTES = {"a": ["href", "class"], "span": ["class"], "p": ["class"],
                      "ol": ["start", "reversed"], "li": ["value"]}
# Dropped with everything inside them, not just unwrapped (Sanitize's remove_contents, plus more).
REMOVED_WITH_CONTENTS = frozenset({"script", "style", "svg", "math", "template", "iframe", "object",
                                   "embed", "noscript", "noembed", "noframes", "xmp", "plaintext",
                                   "title", "textarea", "select", "frameset", "head"})
LINK_REL = "nofollow noopener noreferrer"
MICROFORMAT_CLASS = re.compile(r"^(?:(?:h|p|u|dt|e)-[\w-]+|mention|hashtag|ellipsis|invisible)$")
MAX_HTML_CHARS = MAX_CONTENT_CHARS  # input cut before sanitizing: the sanitizer closes what the cut opened
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_INTEGER = re.compile(r"^-?\d{1,9}$")
_CLASS = (None, "class")
_HREF = (None, "href")

Token = dict[str, Any]


class _DropContents(Filter):
    """Before sanitizing: remove the elements that may only hold code, with their contents."""

    def __iter__(self) -> Iterator[Token]:
        depth = 0
        for token in Filter.__iter__(self):
            kind = token["type"]
            name = token.get("name", "")
            if kind == "StartTag" and name in REMOVED_WITH_CONTENTS:
                depth += 1
                continue
            if kind == "EndTag" and name in REMOVED_WITH_CONTENTS and depth:
                depth -= 1
                continue
            if not depth:
                yield token


class _Mastodon(Filter):
    """After sanitizing: fold headings, keep microformat classes, unwrap links with a
    disallowed or relative href, add rel/target, keep only integer list numbers."""

    def __iter__(self) -> Iterator[Token]:
        unwrapped: list[bool] = []  # one entry per open <a>: was it dropped?
        for token in Filter.__iter__(self):
            kind, name = token["type"], token.get("name")
            if name in HEADINGS:
                space = token.get("namespace")
                if kind == "StartTag":
                    yield {"type": "StartTag", "name": "p", "namespace": space, "data": {}}
                    yield {"type": "StartTag", "name": "strong", "namespace": space, "data": {}}
                elif kind == "EndTag":
                    yield {"type": "EndTag", "name": "strong", "namespace": space}
                    yield {"type": "EndTag", "name": "p", "namespace": space}
                continue
            if name == "a" and kind == "StartTag":
                keep = _link_allowed(token["data"].get(_HREF))
                unwrapped.append(not keep)
                if not keep:
                    continue
                token["data"][(None, "rel")] = LINK_REL
                token["data"][(None, "target")] = "_blank"
            elif name == "a" and kind == "EndTag" and unwrapped and unwrapped.pop():
                continue
            if kind in ("StartTag", "EmptyTag") and token.get("data"):
                _filter_attributes(token["data"])
            yield token


def _link_allowed(href: str | None) -> bool:
    if not href:
        return False
    match = _SCHEME.match(href.strip())
    return match is not None and match.group(1).lower() in LINK_PROTOCOLS


def _filter_attributes(data: dict[tuple[str | None, str], str]) -> None:
    classes = data.get(_CLASS)
    if classes is not None:
        kept = " ".join(c for c in classes.split() if MICROFORMAT_CLASS.match(c))
        if kept:
            data[_CLASS] = kept
        else:
            del data[_CLASS]
    for number in ((None, "start"), (None, "value")):
        value = data.get(number)
        if value is not None and not _INTEGER.match(value.strip()):
            del data[number]
    if (None, "reversed") in data:
        data[(None, "reversed")] = "reversed"


class _Cleaner(bleach.sanitizer.Cleaner):
    """bleach's Cleaner with a filter *before* the sanitizer (bleach only has them after)."""

    def clean(self, text: str) -> str:
        if not text:
            return ""
        dom = _parser.parseFragment(text)
        filtered = bleach.sanitizer.BleachSanitizerFilter(
            source=_DropContents(self.walker(dom)), allowed_tags=self.tags, attributes=self.attributes,
            strip_disallowed_tags=True, strip_html_comments=True, css_sanitizer=None,
            allowed_protocols=self.protocols)
        return str(self.serializer.render(_Mastodon(filtered)))


# Parses every tag (bleach's own parser turns disallowed tags into text before any filter sees
# them, which would hide <script> from _DropContents).
_parser = BleachHTMLParser(tags=None, strip=True, consume_entities=False, namespaceHTMLElements=False)
_cleaner = _Cleaner(tags=ALLOWED_TAGS | HEADINGS, attributes=ALLOWED_ATTRIBUTES, protocols=LINK_PROTOCOLS,
                    strip=True, strip_comments=True)


def clean_html(value: str, *, limit: int = MAX_HTML_CHARS) -> str:
    """Remote or local HTML → the allowed subset; scripts, styles and handlers are dropped.
    At most `limit` characters of the input are read."""
    if not value:
        return ""
    return _cleaner.clean(value[:limit])


def plain_text(value: str, *, limit: int = 500) -> str:
    """A name or label: tags stripped (scripts and styles with their contents), whitespace
    collapsed; escaped on output by templates."""
    if not value:
        return ""
    stripped = bleach.clean(_cleaner.clean(value[:MAX_HTML_CHARS]), tags=set(), strip=True)
    return " ".join(html.unescape(stripped).split())[:limit]
