"""Every moderation command that changes something refuses a staff account named with `--as`
whose role lacks the permission (a member for all of them, a moderator for the admins' ones),
in one line, and changes nothing: the audit log stays empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.cli.run import amity, one_line_error
from tests.ui.cli.test_domain_commands import audit_log
from ui.cli import main

# (the command, who may not run it) — members may run none; moderators hold Mastodon's
# moderator permissions (users, reports), not federation, settings, blocks or rules.
COMMANDS: list[tuple[list[str], tuple[str, ...]]] = [
    (["domain", "set", "spam.example", "--policy", "suspend"], ("mia", "mo")),
    (["domain", "remove", "spam.example"], ("mia", "mo")),
    (["settings", "set", "registration_mode", "open"], ("mia", "mo")),
    (["policy", "add", "keyword", "casino", "--action", "reject"], ("mia", "mo")),
    (["hosts", "retry", "down.example"], ("mia", "mo")),
    (["block", "email-domain", "add", "spam.example"], ("mia", "mo")),
    (["user", "suspend", "bea"], ("mia",)),
    (["user", "warn", "bea", "--reason", "be kind"], ("mia",)),
    (["user", "approve", "bea"], ("mia",)),
]


@pytest.fixture
def staffed(node: Path) -> Path:
    cfg = ["--config", str(node)]
    for name, role in (("mia", "member"), ("mo", "moderator"), ("bea", "member")):
        assert main([*cfg, "user", "create", name, "--email", f"{name}@example.org", "--password",
                     f"{name} password long", "--role", role]) == 0
    return node


def _name(value: object) -> str:
    return " ".join(value) if isinstance(value, list) else ""


@pytest.mark.parametrize(("command", "refused"), COMMANDS, ids=_name)
def test_a_role_without_the_permission_is_refused_and_nothing_is_recorded(
        staffed: Path, tmp_path: Path, command: list[str], refused: tuple[str, ...]) -> None:
    for name in refused:
        result = amity("--config", str(staffed), *command, "--as", name, cwd=tmp_path)
        assert "permission" in one_line_error(result), (name, command)
    assert audit_log(staffed) == []
