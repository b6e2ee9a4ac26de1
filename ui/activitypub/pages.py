"""Minimal HTML for people who open an actor or status URL in a browser.

Stored `note` and `content` are sanitized HTML (cleaned when stored) and go in as they are;
everything else (names, handles, content warnings, URLs, the language) is escaped here.
The full web interface lives in ui/web/; these pages only make federated links usable.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from urllib.parse import quote

from actors.reading.languages import Version
from federation.render import handle, iso
from federation.sanitize import clean_html
from federation.urls import shown_url
from federation.vocab import AS2_CONTENT_TYPE
from storage.models import Actor, Status


def _page(*, lang: str, title: str, alternate: str, body: str) -> str:
    return (
        f"<!doctype html>\n<html lang=\"{escape(lang)}\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{escape(title)}</title>\n"
        f"<link rel=\"alternate\" type=\"{AS2_CONTENT_TYPE}\" href=\"{escape(alternate)}\">\n"
        f"</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _byline(actor: Actor, domain: str) -> str:
    name = actor.display_name or actor.username
    return (f"<a href=\"{escape(shown_url(actor.url, actor.uri))}\"><strong>{escape(name)}</strong></a> "
            f"<span>{escape(handle(actor, domain))}</span>")


def profile_page(actor: Actor, *, lang: str, domain: str) -> str:
    name = actor.display_name or actor.username
    body = (f"<h1>{escape(name)}</h1>\n<p>{escape(handle(actor, domain))}</p>\n"
            f"<section class=\"note\">{clean_html(actor.note)}</section>{_fields(actor)}")
    return _page(lang=lang, title=f"{name} ({handle(actor, domain)})", alternate=actor.uri, body=body)


def _fields(actor: Actor) -> str:
    """Profile fields: names are text, values sanitized HTML (cleaned again here)."""
    rows = "".join(f"<dt>{escape(str(f.get('name', '')))}</dt><dd>{clean_html(str(f.get('value', '')))}</dd>"
                   for f in actor.fields or [] if isinstance(f, dict))
    return f"\n<dl class=\"fields\">{rows}</dl>" if rows else ""


def status_page(status: Status, author: Actor, *, lang: str, domain: str, version: Version | None = None,
                others: Sequence[str] = ()) -> str:
    """A status in one language `version` (default: the primary), with links to the `others`."""
    version = version or Version(status.language, status.content, status.summary, True)
    when = iso(status.published_at)
    lang_attr = f" lang=\"{escape(version.language)}\"" if version.language else ""
    # Sanitized when stored, and again here: a page never trusts what the database holds.
    content = f"<div class=\"content\"{lang_attr}>{clean_html(version.content)}</div>"
    if version.summary:  # a content warning: the post stays folded until opened
        content = (f"<details><summary{lang_attr}>{escape(version.summary)}</summary>{content}</details>")
    page_url = shown_url(status.url, status.uri)
    if others:
        links = " ".join(f"<a href=\"{escape(page_url)}?lang={quote(other)}\" hreflang=\"{escape(other)}\" "
                         f"lang=\"{escape(other)}\">{escape(other)}</a>" for other in others)
        content += f"\n<nav class=\"languages\" aria-label=\"Other languages\">{links}</nav>"
    body = (f"<article>\n<header>{_byline(author, domain)}</header>\n{content}\n"
            f"<footer><a href=\"{escape(page_url)}\"><time datetime=\"{when}\">{when}"
            "</time></a></footer>\n</article>")
    name = author.display_name or author.username
    return _page(lang=version.language or status.language or lang, title=f"{name}: {handle(author, domain)}",
                 alternate=status.uri, body=body)
