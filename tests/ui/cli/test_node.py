"""Node commands (`ui.cli.node`): init, migrate, worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.cli.run import amity, one_line_error
from ui.cli import main


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


def test_migrate_check_reports_current(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(node), "migrate", "--check"]) == 0
    assert "current" in capsys.readouterr().out


def test_worker_on_sqlite_refuses_in_one_line(node: Path, tmp_path: Path) -> None:
    line = one_line_error(amity("--config", str(node), "worker", cwd=tmp_path))
    assert "needs PostgreSQL" in line
