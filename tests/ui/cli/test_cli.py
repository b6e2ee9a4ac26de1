"""The `amity` command: what operators type, and one clear line when something is wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from storage.config import render_toml
from ui.cli import main

AMITY = [sys.executable, "-m", "ui.cli"]


def _amity(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AMITY, *args], cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path.cwd())})


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def node(tmp_path: Path) -> Path:
    """An initialised SQLite node; returns its config path."""
    config = tmp_path / "data" / "amity.toml"
    assert main(["--config", str(config), "init", "--domain", "localhost:8080", "--admin-password",
                 "owner password", "--allow-private-host", "127.0.0.0/8"]) == 0
    return config


def test_init_writes_a_private_config_and_an_owner(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert node.stat().st_mode & 0o077 == 0
    text = node.read_text()
    assert 'scheme = "http"' in text and 'allowed_private_hosts = ["127.0.0.0/8"]' in text
    assert main(["--config", str(node), "user", "list"]) == 0
    out = capsys.readouterr().out
    assert "admin" in out and "owner" in out and "admin@localhost" in out


def test_init_refuses_to_overwrite_an_existing_node(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = node.read_text()
    assert main(["--config", str(node), "init"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert node.read_text() == before


def test_init_prints_a_generated_password_that_works(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "amity.toml"
    assert main(["--config", str(config), "init", "--domain", "social.example.org"]) == 0
    out = capsys.readouterr().out
    assert "password:" in out
    assert 'scheme = "https"' in config.read_text()


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
    result = _amity("--config", str(node), "user", "create", "cai", "--email", "cai@example.org",
                    cwd=tmp_path, stdin="cai password\n")
    assert result.returncode == 0, result.stderr
    assert "created member cai" in result.stdout


def test_user_create_with_a_taken_name_is_one_line(node: Path, tmp_path: Path) -> None:
    result = _amity("--config", str(node), "user", "create", "ADMIN", "--email", "x@example.org",
                    "--password", "long enough", cwd=tmp_path)
    assert "username 'ADMIN' is taken" in _one_line_error(result)


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
    result = _amity("--config", str(node), "settings", "set", "registration_mode", "sometimes",
                    cwd=tmp_path)
    assert "registration_mode must be one of" in _one_line_error(result)
    assert main(["--config", str(node), "settings", "get", "registration_mode"]) == 0
    assert capsys.readouterr().out.strip() == "approval"


def test_queue_stats_and_retry_on_an_empty_node(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(node), "queue", "stats"]) == 0
    assert "(no jobs)" in capsys.readouterr().out
    assert main(["--config", str(node), "queue", "retry"]) == 0
    assert "0 dead jobs queued again" in capsys.readouterr().out


def test_invites_are_made_listed_and_refused_when_malformed(node: Path, capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    assert main(["--config", str(node), "invite", "create", "--uses", "2", "--expires-in", "7"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("http://localhost:8080/invite/") and "(2 uses, until " in line
    assert main(["--config", str(node), "invite", "list"]) == 0
    listed = capsys.readouterr().out
    assert "0/2" in listed and "active" in listed
    assert line.split()[0].rsplit("/", 1)[1] not in listed  # the code is shown once, never stored
    assert main(["--config", str(node), "invite", "create", "--uses", "0"]) != 0
    assert "--uses must be at least 1" in capsys.readouterr().err


def test_user_approve(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(node), "user", "approve", "admin"]) == 0
    assert "admin is approved" in capsys.readouterr().out
    assert main(["--config", str(node), "user", "approve", "nobody"]) != 0
    assert "nobody" in capsys.readouterr().err


def test_migrate_check_reports_current(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(node), "migrate", "--check"]) == 0
    assert "current" in capsys.readouterr().out


def test_worker_on_sqlite_refuses_in_one_line(node: Path, tmp_path: Path) -> None:
    line = _one_line_error(_amity("--config", str(node), "worker", cwd=tmp_path))
    assert "needs PostgreSQL" in line


def test_malformed_config_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "amity.toml").write_text("domain = [unclosed\n")
    line = _one_line_error(_amity("user", "list", cwd=tmp_path))
    assert "config error" in line and "not valid TOML" in line


def test_wrong_config_value_is_one_line_naming_it(tmp_path: Path) -> None:
    (tmp_path / "amity.toml").write_text(render_toml({
        "domain": "x.example", "database_url": "sqlite+aiosqlite:///a.db", "secret_key": "s" * 40,
        "listen_port": 99999}))
    assert "listen_port 99999" in _one_line_error(_amity("serve", cwd=tmp_path))


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "amity.toml").write_text(render_toml({
        "domain": "x.example", "database_url": "postgresql://amity@127.0.0.1:9/amity",
        "secret_key": "s" * 40}))
    line = _one_line_error(_amity("user", "list", cwd=tmp_path))
    assert line.startswith("amity: cannot reach the database") and "127.0.0.1:9" in line


def test_unknown_argument_is_one_line(tmp_path: Path) -> None:
    line = _one_line_error(_amity("user", "list", "--colour", "blue", cwd=tmp_path))
    assert "unrecognized arguments: --colour blue" in line
    assert _amity("frobnicate", cwd=tmp_path).returncode == 2


@pytest.mark.parametrize("command", [[], ["init"], ["serve"], ["worker"], ["migrate"], ["user"],
                                     ["user", "create"], ["settings"], ["queue"], ["queue", "retry"]])
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    assert "usage: amity" in capsys.readouterr().out


def test_the_cli_finds_the_development_node_from_where_make_run_was_typed(node: Path) -> None:
    """`make run` writes data/amity.toml; `amity user list` from that folder needs no --config."""
    listed = _amity("user", "list", cwd=node.parent.parent)
    assert listed.returncode == 0, listed.stderr
    assert "owner" in listed.stdout


def test_without_any_config_the_error_says_how_to_name_one(tmp_path: Path) -> None:
    line = _one_line_error(_amity("user", "list", cwd=tmp_path))
    assert "--config" in line and "data/amity.toml" in line and "domain is missing" in line
