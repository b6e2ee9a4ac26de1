"""The `amity` command: what operators type, and one clear line when something is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.config import render_toml
from tests.ui.cli.run import amity, one_line_error
from ui.cli import main


def test_malformed_config_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "amity.toml").write_text("domain = [unclosed\n")
    line = one_line_error(amity("user", "list", cwd=tmp_path))
    assert "config error" in line and "not valid TOML" in line


def test_wrong_config_value_is_one_line_naming_it(tmp_path: Path) -> None:
    (tmp_path / "amity.toml").write_text(render_toml({
        "domain": "x.example", "database_url": "sqlite+aiosqlite:///a.db", "secret_key": "s" * 40,
        "listen_port": 99999}))
    assert "listen_port 99999" in one_line_error(amity("serve", cwd=tmp_path))


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "amity.toml").write_text(render_toml({
        "domain": "x.example", "database_url": "postgresql://amity@127.0.0.1:9/amity",
        "secret_key": "s" * 40}))
    line = one_line_error(amity("user", "list", cwd=tmp_path))
    assert line.startswith("amity: cannot reach the database") and "127.0.0.1:9" in line


def test_unknown_argument_is_one_line(tmp_path: Path) -> None:
    line = one_line_error(amity("user", "list", "--colour", "blue", cwd=tmp_path))
    assert "unrecognized arguments: --colour blue" in line
    assert amity("frobnicate", cwd=tmp_path).returncode == 2


@pytest.mark.parametrize("command", [[], ["init"], ["serve"], ["worker"], ["migrate"], ["user"],
                                     ["user", "create"], ["settings"], ["queue"], ["queue", "retry"]])
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    assert "usage: amity" in capsys.readouterr().out


def test_the_cli_finds_the_development_node_from_where_make_run_was_typed(node: Path) -> None:
    """`make run` writes data/amity.toml; `amity user list` from that folder needs no --config."""
    listed = amity("user", "list", cwd=node.parent.parent)
    assert listed.returncode == 0, listed.stderr
    assert "owner" in listed.stdout


def test_without_any_config_the_error_says_how_to_name_one(tmp_path: Path) -> None:
    line = one_line_error(amity("user", "list", cwd=tmp_path))
    assert "--config" in line and "data/amity.toml" in line and "domain is missing" in line
