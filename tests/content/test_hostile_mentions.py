"""The mention pattern is linear: hostile text cannot stall posting (pytest-timeout guards)."""

from __future__ import annotations

import pytest

from actors.posts.compose import MARKDOWN, PLAIN, scan

N = 50_000


@pytest.mark.timeout(20)
@pytest.mark.parametrize("text", [
    "@" + "a" * N + "@@",  # Mastodon's pattern backtracks quadratically on this one
    "@" * N,
    "a@" * N,
    "@a" * N,
    "@" + "a-" * N + "@",
    "@a@" + "b." * N + "@",
    "@a@" + "b" * N + ".@",
])
def test_hostile_mention_text_is_scanned_in_linear_time(text: str) -> None:
    handles, _emojis = scan(text, PLAIN)
    assert len(handles) <= N


@pytest.mark.timeout(20)
def test_hostile_mention_text_in_markdown_is_scanned_in_linear_time() -> None:
    scan("@" + "a" * N + "@@", MARKDOWN)


@pytest.mark.parametrize(("text", "expected"), [
    ("hi @alice", [("alice", None)]),
    ("hi @alice.bob@porto.example:8080.", [("alice.bob", "porto.example:8080")]),
    ("@a_b-c@x.example, @z", [("a_b-c", "x.example"), ("z", None)]),
    ("@alice. and @bob-", [("alice", None), ("bob", None)]),
])
def test_the_linear_pattern_finds_the_same_mentions(text: str,
                                                    expected: list[tuple[str, str | None]]) -> None:
    assert scan(text, PLAIN)[0] == expected
