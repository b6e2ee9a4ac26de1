"""The sanitizer: Mastodon's allow-list, and the XSS corpus comes out inert."""

from __future__ import annotations

import pytest

from federation.sanitize import clean_html, plain_text
from tests.content.xss_corpus import CORPUS, MARKER, assert_inert, assert_links_safe, elements


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_corpus_payload_comes_out_inert(name: str) -> None:
    cleaned = clean_html(CORPUS[name])
    assert_inert(cleaned)
    assert_links_safe(cleaned)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_cleaning_twice_changes_nothing_and_stays_inert(name: str) -> None:
    once = clean_html(CORPUS[name])
    assert clean_html(once) == once
    assert_inert(clean_html(f"<p>{once}</p>"))


def test_code_is_removed_with_its_contents_not_left_as_text() -> None:
    for name in ("script", "svg_script", "style_tag", "template_mxss", "iframe", "svg_style_mxss"):
        assert MARKER not in clean_html(CORPUS[name]), name


def test_mastodon_tags_survive_and_headings_fold_into_strong_paragraphs() -> None:
    source = ("<h1>Title</h1><p>a<br>b <del>d</del> <b>b</b> <strong>s</strong> <u>u</u> <i>i</i> "
              "<em>e</em></p>"
              "<blockquote><p>q</p></blockquote><pre><code>c</code></pre><ul><li>x</li></ul>"
              "<h6 id=x>small</h6>")
    assert clean_html(source) == (
        "<p><strong>Title</strong></p><p>a<br>b <del>d</del> <b>b</b> <strong>s</strong> <u>u</u> <i>i</i> "
        "<em>e</em></p><blockquote><p>q</p></blockquote><pre><code>c</code></pre><ul><li>x</li></ul>"
        "<p><strong>small</strong></p>")


def test_other_tags_are_unwrapped_keeping_their_text() -> None:
    cleaned = clean_html("<div><table><tr><td>cell</td></tr></table><s>x</s> <img alt=y src=z></div>")
    assert cleaned == "cellx "


def test_links_get_rel_and_target_and_keep_only_microformat_classes() -> None:
    cleaned = clean_html('<a href="https://e.example/@x" class="u-url mention evil" rel="opener" '
                         'target="_top" title="t">@<span class="h-card p-name dt-x e-y wrong">x</span></a>')
    [(_, attrs), (_, span_attrs)] = elements(cleaned)
    assert dict(attrs) == {"href": "https://e.example/@x", "class": "u-url mention",
                           "rel": "nofollow noopener noreferrer", "target": "_blank"}
    assert dict(span_attrs) == {"class": "h-card p-name dt-x e-y"}
    assert clean_html('<span class="ellipsis invisible hashtag other">x</span>') == (
        '<span class="ellipsis invisible hashtag">x</span>')
    assert clean_html('<span class="nothing">x</span>') == "<span>x</span>"


@pytest.mark.parametrize("href", ["https://a.example/", "http://a.example/", "gemini://a.example/",
                                  "xmpp:me@a.example", "magnet:?xt=urn:btih:abc", "ipfs://bafy", "dat://x",
                                  "dweb:/ipfs/x", "ipns://x", "ssb://x", "gopher://a.example"])
def test_safe_schemes_stay_links(href: str) -> None:
    assert elements(clean_html(f'<a href="{href}">x</a>'))[0][0] == "a"


@pytest.mark.parametrize("href", ["javascript:alert(1)", "data:text/html,x", "vbscript:x", "file:///etc/passwd",
                                  "/relative", "#fragment", "mailto:a@b.example", "ftp://x", ""])
def test_other_schemes_and_relative_links_become_their_text(href: str) -> None:
    assert clean_html(f'<p><a href="{href}">text</a></p>') == "<p>text</p>"


def test_list_numbers_are_kept_only_as_integers() -> None:
    assert clean_html('<ol start="3" reversed type="a"><li value="7">a</li><li value="x()">b</li></ol>') == (
        '<ol start="3" reversed="reversed"><li value="7">a</li><li>b</li></ol>')


def test_plain_text_strips_markup_and_collapses_whitespace() -> None:
    assert plain_text("<b>Alice</b>\n  &amp; <script>x</script> Bob", limit=100) == "Alice & Bob"
    assert plain_text("x" * 600) == "x" * 500
