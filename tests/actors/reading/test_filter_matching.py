"""Keyword matching as Mastodon's `CustomFilterKeyword#to_regex` and `Status#searchable_text`."""

from __future__ import annotations

import pytest

from actors.reading.filters import html_to_text, keyword_regex, searchable_text


@pytest.mark.parametrize(("keyword", "whole_word", "text", "matches"), [
    ("cat", True, "a Cat sat", True),
    ("cat", True, "concatenate", False),
    ("cat", False, "concatenate", True),
    ("cat", True, "cat's toy", True),
    ("cat", True, "cats", False),
    ("#dune", True, "reading #Dune now", True),  # starts with a non-word character: no boundary there
    ("#dune", True, "reading #dunes now", False),
    ("c++", True, "I like c++.", True),
    ("new york", True, "in New York today", True),
    ("new york", True, "in New Yorkshire", False),
    ("café", True, "un CAFÉ noir", True),
    ("café", True, "cafés", False),
    ("a.b", False, "axb", False),  # the keyword is text, not a pattern
])
def test_keywords_match_as_mastodons(keyword: str, whole_word: bool, text: str, matches: bool) -> None:
    assert bool(keyword_regex(keyword, whole_word).search(text)) is matches


def test_searchable_text_is_the_spoiler_the_plain_content_the_options_and_descriptions() -> None:
    text = searchable_text('<p>one<br>two</p><p>a <a href="https://x.example/secret">link</a> &amp; more</p>',
                           "cw", ["yes", "no"], ["a photo", ""])
    assert text == "cw\n\none\ntwo\na link & more\n\nyes\n\nno\n\na photo"
    assert "secret" not in html_to_text('<a href="https://x.example/secret">x</a>')
