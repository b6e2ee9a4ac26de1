"""`amity policy list|add|remove|move|rejections` (`ui.cli.policies`): rules for incoming posts,
each change recorded in the audit log."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.config import load_config
from storage.db import create_engine, session_maker
from storage.models import AuditLogEntry, InboxItem, PolicyRule, utcnow
from tests.ui.cli.run import amity, one_line_error
from ui.cli import main

Rows = list[tuple[int, str, str, str, int]]
Log = list[tuple[str, str, str]]


async def _state(config_path: Path) -> tuple[Rows, Log]:
    engine = create_engine(load_config(config_path).database_url)
    try:
        async with session_maker(engine)() as session:
            rules = [(r.id, r.kind, r.value, r.action, r.position) for r in (await session.scalars(
                select(PolicyRule).order_by(PolicyRule.position))).all()]
            log = [(e.actor_label, e.action, e.target) for e in
                   (await session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id))).all()]
            return rules, log
    finally:
        await engine.dispose()


def state(config_path: Path) -> tuple[Rows, Log]:
    return asyncio.run(_state(config_path))


def test_add_list_move_and_remove_are_audited(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ["--config", str(node), "policy"]
    assert main([*cfg, "add", "keyword", "casino", "--action", "reject"]) == 0
    assert main([*cfg, "add", "hashtag", "#Crypto", "--action", "unlisted"]) == 0
    assert main([*cfg, "add", "keyword", r"free\s+money", "--regex", "--action", "sensitive"]) == 0
    rules, _ = state(node)
    first, second, third = (rule[0] for rule in rules)
    assert [(kind, value, action, pos) for _, kind, value, action, pos in rules] == [
        ("keyword", "casino", "reject", 1), ("hashtag", "crypto", "unlisted", 2),
        ("keyword", r"free\s+money", "sensitive", 3)]
    assert main([*cfg, "move", str(third), "1"]) == 0
    assert main([*cfg, "remove", str(second)]) == 0
    capsys.readouterr()
    assert main([*cfg, "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[:4] for line in listed[1:]] == [
        ["1", str(third), "enabled", "0"], ["2", str(first), "enabled", "0"]]
    rules, log = state(node)
    assert [(rule[0], rule[4]) for rule in rules] == [(third, 1), (first, 2)]
    assert [(action, target) for _, action, target in log] == [
        ("policy_rule.create", str(first)), ("policy_rule.create", str(second)),
        ("policy_rule.create", str(third)), ("policy_rule.move", str(third)),
        ("policy_rule.destroy", str(second))]
    assert all(label.startswith("cli:") for label, _, _ in log)


def test_as_names_a_staff_account_that_must_have_the_permission(node: Path, tmp_path: Path) -> None:
    cfg = ["--config", str(node)]
    assert main([*cfg, "user", "create", "mo", "--email", "mo@example.org", "--password", "mo password",
                 "--role", "moderator"]) == 0
    assert main([*cfg, "user", "create", "ada", "--email", "ada@example.org", "--password", "ada password",
                 "--role", "admin"]) == 0
    refused = amity(*cfg, "policy", "add", "keyword", "spam", "--action", "reject", "--as", "mo",
                    cwd=tmp_path)
    assert "needs the manage_federation permission" in one_line_error(refused)
    assert state(node) == ([], [])
    assert main([*cfg, "policy", "add", "keyword", "spam", "--action", "reject", "--as", "ada"]) == 0
    (rule,), log = state(node)
    assert log == [("@ada", "policy_rule.create", str(rule[0]))]


@pytest.mark.parametrize(("args", "message"), [
    (["add", "keyword", "(a+", "--regex", "--action", "reject"], "the pattern does not compile"),
    (["add", "max_mentions", "many", "--action", "reject"], "whole number"),
    (["add", "max_mentions", "5", "--action", "unlisted"], "action must be one of reject"),
    (["add", "hashtag", "two words", "--action", "reject"], "letters, digits"),
    (["add", "hashtag", "x", "--regex", "--action", "reject"], "only keyword rules"),
    (["add", "keyword", "   ", "--action", "reject"], "1 to 500 characters"),
    (["remove", "12345"], "no policy rule #12345"),
    (["move", "12345", "1"], "no policy rule #12345"),
    (["add", "keyword", "spam", "--action", "reject", "--as", "ghost"], "no local account named ghost")])
def test_bad_input_is_one_line_and_stores_nothing(node: Path, tmp_path: Path, args: list[str],
                                                 message: str) -> None:
    result = amity("--config", str(node), "policy", *args, cwd=tmp_path)
    assert message in one_line_error(result)
    assert state(node) == ([], [])


def test_rejections_empty(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(node), "policy", "rejections"]) == 0
    assert capsys.readouterr().out.strip() == "(no posts rejected by a rule)"


async def _rejected_item(config_path: Path, rule_id: int) -> None:
    engine = create_engine(load_config(config_path).database_url)
    try:
        async with session_maker(engine)() as session, session.begin():
            session.add(InboxItem(activity_id="https://spam.example/create-1", actor_uri="https://spam.example/u",
                                  signer_uri="https://spam.example/u", body={}, processed_at=utcnow(),
                                  error=f"rejected by policy: rule #{rule_id} (keyword 'casino': reject)"))
    finally:
        await engine.dispose()


def test_rejections_name_their_rule_and_are_counted(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ["--config", str(node), "policy"]
    assert main([*cfg, "add", "keyword", "casino", "--action", "reject"]) == 0
    (rule,), _ = state(node)
    asyncio.run(_rejected_item(node, rule[0]))
    capsys.readouterr()
    assert main([*cfg, "list"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[:4] == ["1", str(rule[0]), "enabled", "1"]
    assert main([*cfg, "rejections"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.endswith(f"https://spam.example/u  https://spam.example/create-1  rule #{rule[0]} "
                         "(keyword 'casino': reject)")
