"""Admin commands (`ui.cli.admin`): user, settings, queue."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.cli.run import amity, one_line_error
from tests.ui.cli.test_domain_commands import audit_log
from ui.cli import main


def test_user_commands_create_change_and_disable(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ["--config", str(node)]
    assert main([*cfg, "user", "create", "bea", "--email", "bea@example.org", "--password",
                 "bea password", "--role", "moderator"]) == 0
    assert main([*cfg, "user", "set-role", "bea", "admin"]) == 0
    assert main([*cfg, "user", "disable", "bea"]) == 0
    assert main([*cfg, "user", "reset-password", "bea"]) == 0
    capsys.readouterr()
    assert main([*cfg, "user", "list"]) == 0
    [bea] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("bea ")]
    assert bea.split()[:3] == ["bea", "admin", "disabled"]


def test_user_create_reads_the_password_from_stdin(node: Path, tmp_path: Path) -> None:
    result = amity("--config", str(node), "user", "create", "cai", "--email", "cai@example.org",
                    cwd=tmp_path, stdin="cai password\n")
    assert result.returncode == 0, result.stderr
    assert "created member cai" in result.stdout


def test_user_create_with_a_taken_name_is_one_line(node: Path, tmp_path: Path) -> None:
    result = amity("--config", str(node), "user", "create", "ADMIN", "--email", "x@example.org",
                    "--password", "long enough", cwd=tmp_path)
    assert "username 'ADMIN' is taken" in one_line_error(result)


def test_settings_get_and_set(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ["--config", str(node)]
    assert main([*cfg, "settings", "set", "registration_mode", "invite"]) == 0
    assert main([*cfg, "settings", "set", "rules", "Be kind\nNo spam"]) == 0
    capsys.readouterr()
    assert main([*cfg, "settings", "get", "registration_mode"]) == 0
    assert capsys.readouterr().out.strip() == "invite"
    assert main([*cfg, "settings", "get"]) == 0
    assert 'rules = ["Be kind", "No spam"]' in capsys.readouterr().out


def test_settings_set_refuses_a_bad_value_and_changes_nothing(node: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    result = amity("--config", str(node), "settings", "set", "registration_mode", "sometimes",
                    cwd=tmp_path)
    assert "registration_mode must be one of" in one_line_error(result)
    assert main(["--config", str(node), "settings", "get", "registration_mode"]) == 0
    assert capsys.readouterr().out.strip() == "approval"


def test_queue_stats_and_retry_on_an_empty_node(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(node), "queue", "stats"]) == 0
    assert "(no jobs)" in capsys.readouterr().out
    assert main(["--config", str(node), "queue", "retry"]) == 0
    assert "0 dead jobs queued again" in capsys.readouterr().out


def test_settings_changes_are_in_the_audit_log_and_need_the_permission(node: Path, tmp_path: Path) -> None:
    cfg = ["--config", str(node)]
    assert main([*cfg, "user", "create", "mo", "--email", "mo@example.org", "--password", "mo password",
                 "--role", "moderator"]) == 0
    assert main([*cfg, "settings", "set", "registration_mode", "invite"]) == 0
    refused = amity("--config", str(node), "settings", "set", "registration_mode", "open", "--as", "mo",
                    cwd=tmp_path)
    assert "needs the manage_settings permission" in one_line_error(refused)
    [entry] = audit_log(node)
    assert entry.action == "setting.update" and entry.target == "registration_mode"
    assert entry.actor_label.startswith("cli:")
    assert (entry.details["before"], entry.details["after"]) == ("approval", "invite")
