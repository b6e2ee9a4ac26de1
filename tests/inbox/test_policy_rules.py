"""Admins' rules for incoming posts, applied to real signed Creates through the inbox."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

import inbox.policies
from actors.moderation.audit import operator
from actors.moderation.policy_rules import add_rule, rejection_counts, rejections
from storage.models import Actor, PolicyRule, Status, utcnow
from tests.inbox.conftest import Node
from tests.inbox.fakes import PUBLIC, RemoteActor


async def _rule(node: Node, kind: str, value: str, action: str, *, is_regex: bool = False) -> PolicyRule:
    async with node.services.sessions() as session, session.begin():
        return await add_rule(session, operator(), kind=kind, value=value, action=action, is_regex=is_regex)


async def _send(node: Node, alice: RemoteActor, number: int = 1, **fields: Any) -> str:
    note = alice.note(number, **fields)
    await node.deliver(alice, alice.activity("Create", note, number=number))
    return str(note["id"])


async def _stored(node: Node, uri: str) -> Status | None:
    found = await node.rows(Status, Status.uri == uri)
    return found[0] if found else None


async def _old_author(node: Node) -> RemoteActor:
    alice = node.remote()
    await node.followed(alice)
    async with node.services.sessions() as session, session.begin():
        await session.execute(update(Actor).where(Actor.uri == alice.uri)
                              .values(created_at=utcnow() - timedelta(days=30)))
    return alice


async def test_a_keyword_rule_rejects_whole_words_only_and_names_the_rule(node: Node) -> None:
    alice = await _old_author(node)
    rule = await _rule(node, "keyword", "Spam", "reject")
    refused = await _send(node, alice, 1, content="<p>buy cheap SPAM now</p>")
    kept = await _send(node, alice, 2, content="<p>spammer is not the word</p>")
    assert await _stored(node, refused) is None
    assert await _stored(node, kept) is not None
    item = await node.item(f"{alice.uri}/activities/create-1")
    assert item.error == f"rejected by policy: rule #{rule.id} (keyword 'Spam': reject)"
    async with node.services.sessions() as session:
        (seen,) = await rejections(session)
        counts = await rejection_counts(session)
    assert seen.rule_id == rule.id and seen.actor_uri == alice.uri
    assert counts == {rule.id: 1}


async def test_an_edit_that_brings_a_banned_word_is_rejected(node: Node) -> None:
    alice = await _old_author(node)
    uri = await _send(node, alice, 1, content="<p>hello</p>")
    await _rule(node, "keyword", "casino", "reject")
    edited = alice.note(1, content="<p>visit my casino</p>", updated="2025-01-03T00:00:00Z")
    await node.deliver(alice, alice.activity("Update", edited, number=2))
    status = await _stored(node, uri)
    assert status is not None and status.content == "<p>hello</p>"
    assert (await node.item(f"{alice.uri}/activities/update-2")).error.startswith(  # type: ignore[union-attr]
        "rejected by policy: rule #")


async def test_a_regex_rule_marks_sensitive(node: Node) -> None:
    alice = await _old_author(node)
    await _rule(node, "keyword", r"gr[ae]y\s+goo", "sensitive", is_regex=True)
    hit = await _send(node, alice, 1, summary="about grey   goo")
    miss = await _send(node, alice, 2, content="<p>green goo</p>")
    status, other = await _stored(node, hit), await _stored(node, miss)
    assert status is not None and status.sensitive and status.visibility == "public"
    assert other is not None and not other.sensitive


async def test_a_hashtag_rule_keeps_posts_off_public_timelines(node: Node) -> None:
    alice = await _old_author(node)
    await _rule(node, "hashtag", "#Crypto", "unlisted")
    tagged = await _send(node, alice, 1, tag=[{"type": "Hashtag", "name": "#crypto",
                                               "href": "http://remote.test/tags/crypto"}])
    plain = await _send(node, alice, 2)
    status, other = await _stored(node, tagged), await _stored(node, plain)
    assert status is not None and status.visibility == "unlisted"
    assert other is not None and other.visibility == "public"


async def test_a_hashtag_rule_rejects(node: Node) -> None:
    alice = await _old_author(node)
    await _rule(node, "hashtag", "crypto", "reject")
    uri = await _send(node, alice, 1, tag=[{"type": "Hashtag", "name": "#CRYPTO"}])
    assert await _stored(node, uri) is None


async def test_too_many_mentions_are_rejected(node: Node) -> None:
    alice = await _old_author(node)
    await _rule(node, "max_mentions", "2", "reject")
    mention = [{"type": "Mention", "href": f"http://remote.test/users/u{n}"} for n in range(3)]
    crowded = await _send(node, alice, 1, tag=mention)
    fine = await _send(node, alice, 2, tag=mention[:2])
    assert await _stored(node, crowded) is None
    assert await _stored(node, fine) is not None


@pytest.mark.parametrize("action", ["reject", "sensitive"])
async def test_new_accounts(node: Node, action: str) -> None:
    newcomer = node.remote()
    await node.followed(newcomer)  # first seen just now
    await _rule(node, "new_account", "24", action)
    uri = await _send(node, newcomer)
    status = await _stored(node, uri)
    if action == "reject":
        assert status is None
    else:
        assert status is not None and status.sensitive
    veteran = node.remote("carol", key=1)
    await node.followed(veteran)
    async with node.services.sessions() as session, session.begin():
        await session.execute(update(Actor).where(Actor.uri == veteran.uri)
                              .values(created_at=utcnow() - timedelta(hours=25)))
    kept = await _stored(node, await _send(node, veteran))
    assert kept is not None and not kept.sensitive


async def test_disabled_rules_do_nothing(node: Node) -> None:
    alice = await _old_author(node)
    rule = await _rule(node, "keyword", "note", "reject")
    async with node.services.sessions() as session, session.begin():
        await session.execute(update(PolicyRule).where(PolicyRule.id == rule.id).values(enabled=False))
    assert await _stored(node, await _send(node, alice)) is not None


async def test_rules_run_in_order(node: Node) -> None:
    alice = await _old_author(node)
    await _rule(node, "keyword", "note", "unlisted")
    await _rule(node, "keyword", "note", "sensitive")
    status = await _stored(node, await _send(node, alice, to=[PUBLIC], cc=[alice.followers]))
    assert status is not None and status.sensitive and status.visibility == "unlisted"


async def test_a_catastrophic_pattern_is_cut_off_while_the_node_answers(
        node: Node, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    config = node.services.config
    node.services.config = dataclasses.replace(
        config, limits=dataclasses.replace(config.limits, policy_pattern_ms=3000))
    alice = await _old_author(node)
    await _rule(node, "keyword", "(a+)+$", "reject", is_regex=True)
    started = threading.Event()
    matching = inbox.policies._matching

    def watched(*args: Any) -> set[int]:
        started.set()
        return matching(*args)

    monkeypatch.setattr(inbox.policies, "_matching", watched)
    caplog.set_level(logging.WARNING, "amity.inbox.rules")
    note = alice.note(1, content="<p>" + "a" * 5000 + "!</p>")
    response = await node.post(alice, alice.activity("Create", note))
    assert response.status == 202
    processing = asyncio.create_task(node.process())
    assert await asyncio.to_thread(started.wait, 30)
    health = await node.client.get("/health")
    assert health.status == 200
    assert not processing.done()  # the pattern was still running when the node answered
    await processing
    status = await _stored(node, str(note["id"]))
    assert status is not None  # timed out: no match, the post is processed
    assert (await node.item(f"{alice.uri}/activities/create-1")).error is None
    (logged,) = [r for r in caplog.records if r.getMessage() == "inbox.rule_timed_out"]
    assert "amity policy remove" in logged.advice  # type: ignore[attr-defined]
