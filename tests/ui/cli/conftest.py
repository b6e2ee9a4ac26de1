"""An initialised node for the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from ui.cli import main


@pytest.fixture
def node(tmp_path: Path) -> Path:
    """An initialised SQLite node; returns its config path."""
    config = tmp_path / "data" / "amity.toml"
    assert main(["--config", str(config), "init", "--domain", "localhost:8080", "--admin-password",
                 "owner password", "--allow-private-host", "127.0.0.0/8"]) == 0
    return config
