"""Keyword matching as Mastodon's `CustomFilterKeyword#to_regex` and `Status#searchable_text`, and
`filter_statuses`, the entry point for lists rendered in bulk (search, notifications)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from actors.reading.filters import filter_statuses, html_to_text, keyword_regex, searchable_text
from storage.models import CustomFilter, FilterKeyword, Status
from storage.models.base import new_id
from tests.actors.factories import add, local_actor, remote_actor, seed


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


async def test_filter_statuses_gives_results_and_hidden_ids_for_a_context(engine: AsyncEngine) -> None:
    """What notifications call at merge: per-status FilterResults and which statuses to leave out."""
    ana, bea = local_actor("ana"), remote_actor("bea", "remote.example")
    await seed(engine, ana, bea)
    texts = {"warned": "<p>Spoilers ahead</p>", "hidden": "<p>the election</p>", "plain": "<p>hello</p>"}
    rows = {k: Status(id=new_id(), uri=f"{bea.uri}/s/{k}", actor_id=bea.id, content=v)
            for k, v in texts.items()}
    boost = Status(id=new_id(), uri=f"{bea.uri}/s/boost", actor_id=bea.id, reblog_of_id=rows["hidden"].id)
    own = Status(id=new_id(), uri=f"{ana.uri}/s/own", actor_id=ana.id, content="<p>my election</p>")
    warn = CustomFilter(id=new_id(), actor_id=ana.id, title="w", context=["notifications"], action="warn")
    hide = CustomFilter(id=new_id(), actor_id=ana.id, title="h", context=["notifications", "home"],
                        action="hide")
    elsewhere = CustomFilter(id=new_id(), actor_id=ana.id, title="x", context=["public"], action="hide")
    await add(engine, *rows.values(), boost, own, warn, hide, elsewhere,
              FilterKeyword(filter_id=warn.id, keyword="spoilers", whole_word=True),
              FilterKeyword(filter_id=hide.id, keyword="election", whole_word=True),
              FilterKeyword(filter_id=elsewhere.id, keyword="hello", whole_word=True))
    statuses = [*rows.values(), boost, own]
    async with AsyncSession(engine, expire_on_commit=False) as session:
        found = await filter_statuses(session, ana.id, "notifications", statuses)
        nobody = await filter_statuses(session, None, "notifications", statuses)
    assert found.hidden == {rows["hidden"].id, boost.id}
    assert [m.filter.title for m in found.results[rows["warned"].id]] == ["w"]
    assert found.results[rows["warned"].id][0].keyword_matches == ("spoilers",)
    assert rows["plain"].id not in found.results and own.id not in found.results  # public only; her own
    assert nobody.results == {} and nobody.hidden == set()
