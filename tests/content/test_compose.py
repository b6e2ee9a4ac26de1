"""The composer: plain text and Markdown to Mastodon-shaped HTML (no database)."""

from __future__ import annotations

import pytest

from actors.posts.compose import MARKDOWN, PLAIN, MentionTarget, compose, link_html, normalize_tag, scan
from tests.content.xss_corpus import CORPUS, assert_inert, assert_links_safe, elements

BASE = "http://amity.test"
BO = MentionTarget(actor_id=1, uri="https://b.example/users/bo", url="https://b.example/@bo", username="bo")
CY = MentionTarget(actor_id=2, uri=f"{BASE}/users/cy", url=f"{BASE}/@cy", username="cy")
KNOWN = {"bo@b.example": BO, "cy": CY}


def render(source: str, fmt: str = PLAIN) -> str:
    return compose(source, fmt, base_url=BASE, local_domain="amity.test", mentions=KNOWN).html


def test_plain_text_paragraphs_line_breaks_and_escaping() -> None:
    assert render("a <b> & c\nnext\n\n\nsecond") == "<p>a &lt;b&gt; &amp; c<br>next</p><p>second</p>"


def test_a_resolved_mention_is_a_mastodon_h_card_and_is_reported() -> None:
    composed = compose("hi @bo@b.example and @cy@amity.test", PLAIN, base_url=BASE, local_domain="amity.test",
                       mentions=KNOWN)
    assert ('<span class="h-card"><a href="https://b.example/@bo" class="u-url mention" '
            'rel="nofollow noopener noreferrer" target="_blank">@<span>bo</span></a></span>') in composed.html
    assert f'<a href="{BASE}/@cy" class="u-url mention"' in composed.html
    assert composed.mentions == [BO, CY]


def test_an_unresolved_mention_and_an_email_address_stay_text() -> None:
    composed = compose("@nobody and me@example.org", PLAIN, base_url=BASE, local_domain="amity.test",
                       mentions=KNOWN)
    assert composed.html == "<p>@nobody and me@example.org</p>" and composed.mentions == []


def test_hashtags_link_to_the_tag_page_normalised_and_are_listed_once() -> None:
    composed = compose("#Garden #garden #123 #café a#b", PLAIN, base_url=BASE, local_domain="amity.test",
                       mentions={})
    links = [dict(attrs) for tag, attrs in elements(composed.html) if tag == "a"]
    assert [link["href"] for link in links] == [f"{BASE}/tags/garden", f"{BASE}/tags/garden",
                                                f"{BASE}/tags/caf%C3%A9"]
    assert all(link["class"] == "mention hashtag" for link in links)
    assert "#<span>Garden</span>" in composed.html and "#123" in composed.html and "a#b" in composed.html
    assert composed.hashtags == ["Garden", "café"]
    assert normalize_tag("\uff27arden") == "garden"  # fullwidth G folds to G


def test_long_links_are_shortened_for_display_as_mastodon() -> None:
    url = "https://www.example.org/a/very/long/path/that/goes/on?x=1"
    assert link_html(url) == (
        f'<a href="{url.replace("&", "&amp;")}"><span class="invisible">https://www.</span>'
        '<span class="ellipsis">example.org/a/very/long/path/t</span>'
        '<span class="invisible">hat/goes/on?x=1</span></a>')
    assert '<span class="invisible">https://</span><span>e.org/x</span>' in render("see https://e.org/x.")
    assert render("(https://e.org/x_(y))").endswith("</a>)</p>")


def test_markdown_renders_the_allowed_subset_and_escapes_raw_html() -> None:
    out = render("# Title\n\n**bold** _em_ ~~no~~\n\n> quote\n\n- a\n- b\n\n1. x\n\n<script>alert(1)</script>"
                 "\n\n<b onclick=x>raw</b> ![img](https://e.org/i.png) [link](javascript:alert(1))", MARKDOWN)
    assert out.startswith("<p><strong>Title</strong></p>\n<p><strong>bold</strong> <em>em</em>")
    assert "<blockquote>" in out and "<ul>" in out and "<ol>" in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "&lt;b onclick=x&gt;raw&lt;/b&gt;" in out
    assert_inert(out)


def test_a_markdown_line_starting_with_hashtags_is_not_a_heading() -> None:
    composed = compose("#garden #art\n\n# Heading", MARKDOWN, base_url=BASE, local_domain="amity.test",
                       mentions={})
    assert composed.hashtags == ["garden", "art"]
    assert composed.html.startswith('<p><a href="http://amity.test/tags/garden"')
    assert composed.html.endswith("<p><strong>Heading</strong></p>")


def test_code_gets_no_mentions_tags_or_links() -> None:
    composed = compose("`@cy #tag https://e.org :emo:`\n\n```\n@bo@b.example #x https://e.org\n```\n\n"
                       "    @cy #indented", MARKDOWN, base_url=BASE, local_domain="amity.test",
                       mentions=KNOWN)
    assert composed.mentions == [] and composed.hashtags == [] and composed.emojis == []
    assert "<a" not in composed.html
    assert "<code>@cy #tag https://e.org :emo:</code>" in composed.html


def test_markdown_links_keep_their_text_and_autolinks_are_shortened() -> None:
    out = render("[our site](https://e.org/about) <https://e.org/x> @cy #tag", MARKDOWN)
    anchors = [dict(a) for tag, a in elements(out) if tag == "a"]
    assert anchors[0]["href"] == "https://e.org/about" and "our site</a>" in out
    assert '<span class="invisible">https://</span><span>e.org/x</span>' in out
    assert [a.get("class") for a in anchors[2:]] == ["u-url mention", "mention hashtag"]


def test_emoji_shortcodes_are_collected_and_left_as_text() -> None:
    composed = compose(":blob: :blob: :a: x:no: :two_words:", PLAIN, base_url=BASE, local_domain="amity.test",
                       mentions={})
    assert composed.emojis == ["blob", "two_words"] and ":blob:" in composed.html


def test_scan_finds_handles_and_shortcodes_outside_code() -> None:
    found = scan("@a @b@c.example:8080 `@x` :e1:", MARKDOWN)
    assert found == ([("a", None), ("b", "c.example:8080")], ["e1"])


@pytest.mark.parametrize("fmt", [PLAIN, MARKDOWN])
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_input_is_inert_in_both_formats(fmt: str, name: str) -> None:
    out = render(f"hello @cy #tag {CORPUS[name]} https://e.org/x", fmt)
    assert_inert(out)
    assert_links_safe(out)
