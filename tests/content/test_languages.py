"""Which language version a reader gets (no database but for reader_preferences)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.reading.languages import parse_accept_language, pick, reader_preferences, versions
from storage.db import session_maker
from storage.models import Actor, Status, User
from tests.actors.factories import add

STATUS = Status(language="en", content="<p>hello</p>", summary="cw",
                content_map={"en": "<p>hello</p>", "pt-br": "<p>olá</p>", "de": "<p>hallo</p>"},
                summary_map={"en": "cw", "pt-br": "aviso"})


@pytest.mark.parametrize(("header", "expected"), [
    ("pt-BR,pt;q=0.9,en;q=0.8", ["pt-br", "pt", "en"]),
    ("en;q=0.1, de;q=0.5, fr", ["fr", "de", "en"]),
    ("*, xx;q=0, es;q=bad", []),
    ("", []), (None, []), ("a" * 100, []),
])
def test_accept_language_is_ranked_by_q_value(header: str | None, expected: list[str]) -> None:
    assert parse_accept_language(header) == expected


@pytest.mark.parametrize(("preferences", "language", "content", "summary"), [
    (["pt-br"], "pt-br", "<p>olá</p>", "aviso"),
    (["pt"], "pt-br", "<p>olá</p>", "aviso"),  # a language matches its regional versions
    (["de-at"], "de", "<p>hallo</p>", "cw"),  # and a region its language; the CW falls back
    (["fr", "de"], "de", "<p>hallo</p>", "cw"),
    (["fr"], "en", "<p>hello</p>", "cw"),  # nothing matches: the primary
    ([], "en", "<p>hello</p>", "cw"),
])
def test_the_first_matching_preference_wins_else_the_primary(
        preferences: list[str], language: str, content: str, summary: str) -> None:
    chosen = pick(STATUS, preferences)
    assert (chosen.language, chosen.content, chosen.summary) == (language, content, summary)
    assert chosen.primary == (language == "en")


def test_versions_list_the_primary_first() -> None:
    assert list(versions(STATUS)) == ["en", "pt-br", "de"]
    assert pick(Status(language=None, content="<p>x</p>", summary=""), ["en"]).content == "<p>x</p>"


async def test_a_member_reads_in_their_language_then_locale_then_the_request(
        engine: AsyncEngine, author: Actor) -> None:
    await add(engine, User(actor_id=author.id, email="a@example.org", password_hash="x",
                           default_language="de", locale="pt"))
    async with session_maker(engine)() as session:
        preferences = await reader_preferences(session, author.id, "en;q=0.5, fr")
        anonymous = await reader_preferences(session, None, "fr")
    assert preferences == ["de", "pt", "fr", "en"] and anonymous == ["fr"]
    assert pick(STATUS, preferences).language == "de"
