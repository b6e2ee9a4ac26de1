"""Member commands (`ui.cli.members`): invites (approving sign-ups: test_account_commands.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ui.cli import main


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
