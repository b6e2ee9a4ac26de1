"""`amity block email|email-domain|ip add|list|remove` (`ui.cli.signup_blocks`): blocks that
refuse sign-ups, each change in the audit log as the operator or `--as NAME`."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.ui.cli.test_domain_commands import audit_log
from ui.cli import main


def test_ip_blocks_are_added_listed_and_removed(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ["--config", str(node)]
    assert main([*cfg, "block", "ip", "add", "192.0.2.7/24", "--severity", "no_access", "--comment", "spam",
                 "--expires-in", "7"]) == 0
    capsys.readouterr()
    assert main([*cfg, "block", "ip", "list"]) == 0
    [header, row] = capsys.readouterr().out.splitlines()
    assert header.split()[:2] == ["RANGE", "SEVERITY"]
    assert row.split()[:3] == ["192.0.2.0/24", "no_access", "until"] and row.endswith("spam")
    assert main([*cfg, "block", "ip", "remove", "192.0.2.0/24", "--as", "admin"]) == 0
    assert main([*cfg, "block", "ip", "add", "not-an-ip"]) != 0
    assert "not an IP address" in capsys.readouterr().err
    assert [(e.actor_label, e.action, e.target) for e in audit_log(node)][-2:] == [
        (audit_log(node)[-2].actor_label, "ip_block.create", "192.0.2.0/24"),
        ("@admin", "ip_block.destroy", "192.0.2.0/24")]
    assert audit_log(node)[-2].actor_label.startswith("cli:")


def test_e_mail_and_domain_blocks(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ["--config", str(node)]
    assert main([*cfg, "block", "email", "add", "Spam.Mer+x@mail.example"]) == 0
    assert main([*cfg, "block", "email-domain", "add", "spam.example"]) == 0
    assert main([*cfg, "block", "email-domain", "add", "spam.example"]) != 0  # once
    capsys.readouterr()
    assert main([*cfg, "block", "email", "list"]) == 0
    assert capsys.readouterr().out.split() == [hashlib.sha256(b"spammer@mail.example").hexdigest()]
    assert main([*cfg, "block", "email", "remove", "spammer@mail.example"]) == 0
    assert main([*cfg, "block", "email-domain", "remove", "spam.example"]) == 0
    assert main([*cfg, "block", "email-domain", "list"]) == 0
    assert "no email-domain blocks" in capsys.readouterr().out
    assert [e.action for e in audit_log(node)] == [
        "canonical_email_block.create", "email_domain_block.create", "canonical_email_block.destroy",
        "email_domain_block.destroy"]


COMMANDS = [["user", "approve", "bo"], ["user", "reject", "bo"], ["user", "warn", "bo"],
            ["user", "limit", "bo"],
            ["user", "sensitive", "bo"], ["user", "disable", "bo"], ["user", "suspend", "bo"],
            ["user", "unsuspend", "bo"], ["user", "unlimit", "bo"], ["user", "unsensitive", "bo"],
            ["user", "enable", "bo"], ["block", "email", "add", "x@spam.example"],
            ["block", "email-domain", "add", "spam.example"], ["block", "ip", "add", "192.0.2.1"],
            ["block", "ip", "remove", "192.0.2.1"]]


def test_every_moderation_command_refuses_a_member_and_changes_nothing(
        node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ["--config", str(node)]
    for name, role in (("mia", "member"), ("bo", "member"), ("mo", "moderator")):
        assert main([*cfg, "user", "create", name, "--email", f"{name}@example.org", "--password",
                     "long password", "--role", role]) == 0
    before = len(audit_log(node))
    for command in COMMANDS:
        assert main([*cfg, *command, "--as", "mia"]) != 0, command
        assert "may not do this" in capsys.readouterr().err, command
    for command in COMMANDS[-4:]:  # blocks need manage_blocks: admins only
        assert main([*cfg, *command, "--as", "mo"]) != 0, command
        assert "manage_blocks" in capsys.readouterr().err, command
    assert len(audit_log(node)) == before
