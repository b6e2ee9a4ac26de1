"""Account actions in `amity user …` (`ui.cli.accounts`): pending sign-ups listed with their
reasons, approved and rejected; warn, limit, sensitive, disable, suspend and unsuspend, each
recorded in the audit log as the operator or as `--as NAME`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from actors.accounts.registration import sign_up
from storage import settings
from storage.config import load_config
from storage.db import create_engine, session_maker
from storage.models import Actor, Notification, User
from tests.ui.cli.test_domain_commands import audit_log
from ui.cli import main


def _with_session(config_path: Path, work: Callable[[Any], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        engine = create_engine(load_config(config_path).database_url)
        try:
            async with session_maker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()
    return asyncio.run(run())


def _pending(node: Path, name: str, reason: str) -> None:
    config = load_config(node)

    async def work(session: Any) -> None:
        await settings.set_value(session, "registration_mode", "approval")
        await sign_up(session, config, username=name, email=f"{name}@example.org", password="long password",
                      reason=reason)
    _with_session(node, work)


def _state(node: Path, name: str) -> tuple[Any, ...] | None:
    async def work(session: Any) -> tuple[Any, ...] | None:
        row = (await session.execute(select(Actor, User).join(User, User.actor_id == Actor.id)
                                     .where(Actor.username == name))).first()
        if row is None:
            return None
        actor, user = row
        warnings = (await session.scalars(select(Notification.type).where(
            Notification.recipient_id == actor.id))).all()
        return (user.approved, user.disabled, actor.silenced_at is not None, actor.sensitized_at is not None,
                actor.suspended_at is not None, sorted(warnings))
    result: tuple[Any, ...] | None = _with_session(node, work)
    return result


def test_pending_sign_ups_are_listed_with_their_reasons_then_approved_or_rejected(
        node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ["--config", str(node)]
    _pending(node, "pia", "I run the library's reading club")
    _pending(node, "spam", "cheap watches")
    capsys.readouterr()
    assert main([*cfg, "user", "list", "--state", "pending"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[:3] for line in listed[1:]] == [["pia", "member", "pending"],
                                                         ["spam", "member", "pending"]]
    assert listed[1].endswith("I run the library's reading club")
    assert main([*cfg, "user", "approve", "pia"]) == 0
    assert main([*cfg, "user", "reject", "spam", "--reason", "spam"]) == 0
    assert _state(node, "pia") == (True, False, False, False, False, [])
    assert _state(node, "spam") is None
    assert main([*cfg, "user", "approve", "pia"]) != 0  # not pending any more
    assert "not waiting for approval" in capsys.readouterr().err
    assert main([*cfg, "user", "list"]) == 0
    states = {line.split()[0]: line.split()[2] for line in capsys.readouterr().out.splitlines()[1:]}
    assert states == {"admin": "active", "pia": "active"}
    assert [(e.action, e.target) for e in audit_log(node)][-2:] == [("account.approve", "pia"),
                                                                    ("account.reject", "spam")]


def _create(cfg: list[str], name: str, role: str = "member") -> None:
    assert main([*cfg, "user", "create", name, "--email", f"{name}@example.org", "--password",
                 "long password", "--role", role]) == 0


def test_each_action_changes_the_account_and_is_audited(node: Path) -> None:
    cfg = ["--config", str(node)]
    _create(cfg, "mo", "moderator")
    _create(cfg, "bo")
    # (approved, disabled, limited, sensitive, suspended) after each command
    steps = [("warn", (True, False, False, False, False)), ("limit", (True, False, True, False, False)),
             ("sensitive", (True, False, True, True, False)), ("disable", (True, True, True, True, False)),
             ("suspend", (True, True, True, True, True)), ("unsuspend", (True, True, True, True, False)),
             ("unlimit", (True, True, False, True, False)),
             ("unsensitive", (True, True, False, False, False)),
             ("enable", (True, False, False, False, False))]
    for command, expected in steps:
        extra = ["--reason", f"{command} because"] if not command.startswith(("un", "enable")) else []
        assert main([*cfg, "user", command, "bo", "--as", "mo", *extra]) == 0, command
        state = _state(node, "bo")
        assert state is not None and state[:5] == expected, command
    assert _state(node, "bo")[5] == ["moderation_warning"] * 5  # type: ignore[index]
    entries = [(e.actor_label, e.action, e.target, e.reason) for e in audit_log(node)]
    assert entries[-9:] == [
        ("@mo", "account.warn", "bo", "warn because"), ("@mo", "account.silence", "bo", "limit because"),
        ("@mo", "account.sensitive", "bo", "sensitive because"),
        ("@mo", "account.disable", "bo", "disable because"),
        ("@mo", "account.suspend", "bo", "suspend because"), ("@mo", "account.unsuspend", "bo", ""),
        ("@mo", "account.unsilence", "bo", ""), ("@mo", "account.unsensitive", "bo", ""),
        ("@mo", "account.enable", "bo", "")]


def test_members_and_lower_roles_are_refused_and_nothing_changes(node: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ["--config", str(node)]
    _create(cfg, "bo")
    _create(cfg, "mo", "moderator")
    before = len(audit_log(node))
    capsys.readouterr()
    assert main([*cfg, "user", "suspend", "mo", "--as", "bo"]) != 0
    assert "manage_users" in capsys.readouterr().err
    assert main([*cfg, "user", "suspend", "admin", "--as", "mo"]) != 0  # the owner outranks a moderator
    assert "may not act on an account with the owner role" in capsys.readouterr().err
    assert _state(node, "mo") == (True, False, False, False, False, [])
    assert len(audit_log(node)) == before


def test_a_remote_account_is_suspended_by_its_handle(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async def add(session: Any) -> None:
        session.add(Actor(username="rae", domain="remote.example", uri="https://remote.example/users/rae"))
    _with_session(node, add)
    cfg = ["--config", str(node)]
    assert main([*cfg, "user", "suspend", "@RAE@Remote.Example", "--reason", "spam"]) == 0
    assert "data will be deleted" not in capsys.readouterr().out  # remote: nothing of ours to delete

    async def suspended(session: Any) -> bool:
        rae = await session.scalar(select(Actor).where(Actor.username == "rae"))
        return rae.suspended_at is not None
    assert _with_session(node, suspended)
    assert main([*cfg, "user", "suspend", "nobody@remote.example"]) != 0
    assert "no known account" in capsys.readouterr().err
    assert [(e.action, e.target) for e in audit_log(node)] == [("account.suspend", "rae@remote.example")]
