"""Posts' text: composing local posts and sanitizing remote HTML, per second.

Two measurements, each beside a baseline measured in the same run on the same text:

- `compose`: a Markdown post (~1 KB: a heading, emphasis, a list, a code span, a quote, three
  links, four mentions, five hashtags, an emoji shortcode) through `actors.posts.compose.compose`
  (Markdown, the text-node pass for links/mentions/tags, the sanitizer), with the mentions
  already resolved (as `actors.posts.post_content.prepare_mentions` hands them over), so no
  database or network.
  Baseline: `bleach.clean` of the Markdown's HTML with the same tag allow-list.
- `sanitize`: a remote Mastodon-shaped post (~1.5 KB: h-card mentions, hashtag links, shortened
  links, paragraphs, plus hostile extras: a script, an onerror image, a javascript: link)
  through `federation.sanitize.clean_html`. Baseline: a plain `bleach.clean` with the same
  allow-list (no microformat classes, heading folding, link rewriting or content removal).

`ratios` are ours over the baseline's time per item (1.0 = as fast as plain bleach).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

import bleach

from actors.posts.compose import MARKDOWN, MentionTarget, compose, markdown_to_html
from federation.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, LINK_PROTOCOLS, clean_html

BASE = "https://amity.example"
MENTIONS = {
    key: MentionTarget(actor_id=i, uri=f"https://{host}/users/{user}", url=f"https://{host}/@{user}",
                       username=user)
    for i, (key, user, host) in enumerate([
        ("ana", "ana", "amity.example"), ("bo", "bo", "amity.example"),
        ("cy@porto.example", "cy", "porto.example"), ("dee@lib.example", "dee", "lib.example")])
}
MARKDOWN_POST = """# Mural day

Hello @ana and @bo! Our **class mural** is finished, and @cy@porto.example's pupils sent _their_
drawings too. Thanks @dee@lib.example for the paint :paint:.

- photos: https://amity.example/media/ab/cd/mural-photos-of-the-whole-wall-2025.jpg
- the story: [read it here](https://porto.example/@cy/1234567890)
- `#notatag inside code`

> Art is how we decorate space. https://example.org/quotes?who=someone&page=2

#art #school #mural #PortoAlegre #Riverside
"""
REMOTE_POST = (
    '<p><span class="h-card"><a href="https://porto.example/@cy" class="u-url mention">@<span>cy</span>'
    '</a></span> <span class="h-card"><a href="https://amity.example/@ana" class="u-url mention">@<span>'
    'ana</span></a></span> Our pupils loved the mural! <a href="https://porto.example/tags/art" '
    'class="mention hashtag" rel="tag">#<span>art</span></a> '
    '<a href="https://porto.example/tags/school" class="mention hashtag" '
    'rel="tag">#<span>school</span></a></p><p>Photos: <a href="https://porto.example/media/photos/mural-2025"'
    ' rel="nofollow noopener noreferrer" target="_blank"><span class="invisible">https://</span><span class='
    '"ellipsis">porto.example/media/photos/mu</span><span class="invisible">ral-2025</span></a></p>'
    '<p>We wrote a <strong>poem</strong> about it:<br>colours on the wall<br>hands of every size<br>'
    'a school that talks to the world</p><blockquote><p>Muito obrigado!</p></blockquote>'
    '<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">click</a>'
    '<p style="color:red" onclick="x()">More soon, <em>with love</em> from Porto Alegre.</p>'
)


def _rate(work: Callable[[], object], seconds: float) -> dict[str, float]:
    """Calls per second of `work`, run for about `seconds` after a short warm-up."""
    for _ in range(20):
        work()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            work()
        count += 50
    return {"per_s": round(count / elapsed, 1), "us_per_item": round(elapsed / count * 1e6, 1),
            "items": count}


def run(quick: bool) -> dict[str, Any]:
    seconds = 1.0 if quick else 4.0
    composed = compose(MARKDOWN_POST, MARKDOWN, base_url=BASE, local_domain="amity.example",
                       mentions=MENTIONS)
    assert len(composed.mentions) == 4 and len(composed.hashtags) == 5, "the benchmark post lost its parts"
    markdown_html = markdown_to_html(MARKDOWN_POST)
    attributes = {tag: list(names) + (["rel", "target"] if tag == "a" else []) for tag, names in
                  ALLOWED_ATTRIBUTES.items()}

    def plain_bleach(text: str) -> Callable[[], object]:
        return lambda: bleach.clean(text, tags=ALLOWED_TAGS, attributes=attributes, protocols=LINK_PROTOCOLS,
                                    strip=True, strip_comments=True)

    results: dict[str, Any] = {
        "compose": _rate(lambda: compose(MARKDOWN_POST, MARKDOWN, base_url=BASE, local_domain="amity.example",
                                         mentions=MENTIONS), seconds),
        "compose_baseline_bleach": _rate(plain_bleach(markdown_html), seconds),
        "sanitize": _rate(lambda: clean_html(REMOTE_POST), seconds),
        "sanitize_baseline_bleach": _rate(plain_bleach(REMOTE_POST), seconds),
        "sizes": {"markdown_chars": len(MARKDOWN_POST), "composed_html_chars": len(composed.html),
                  "remote_html_chars": len(REMOTE_POST)},
    }
    results["ratios"] = {
        "compose / bleach.clean": round(results["compose"]["us_per_item"]
                                        / results["compose_baseline_bleach"]["us_per_item"], 2),
        "sanitize / bleach.clean": round(results["sanitize"]["us_per_item"]
                                         / results["sanitize_baseline_bleach"]["us_per_item"], 2),
    }
    return results


if __name__ == "__main__":
    json.dump(run("--quick" in sys.argv), sys.stdout, indent=2)
    sys.stdout.write("\n")
