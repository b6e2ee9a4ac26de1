"""`amity announcement add|list|remove`, as operators run it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.ui.cli.run import amity, one_line_error
from ui.cli import main


def test_add_list_and_remove(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(node), "announcement", "list"]) == 0
    assert "no announcements" in capsys.readouterr().out
    assert main(["--config", str(node), "announcement", "add", "Maintenance on Sunday\nfrom 10:00",
                 "--starts-at", "2030-05-05T10:00", "--ends-at", "2030-05-05T12:00+02:00"]) == 0
    added = re.search(r"announced (\d+)", capsys.readouterr().out)
    assert added is not None
    assert main(["--config", str(node), "announcement", "list"]) == 0
    listed = capsys.readouterr().out
    assert added.group(1) in listed and "2030-05-05 10:00  2030-05-05 10:00" in listed  # ends: +02:00 in UTC
    assert "Maintenance on Sunday" in listed and "from 10:00" not in listed
    assert main(["--config", str(node), "announcement", "remove", added.group(1)]) == 0
    assert main(["--config", str(node), "announcement", "list"]) == 0
    assert "no announcements" in capsys.readouterr().out


def test_bad_input_is_one_clear_line_and_stores_nothing(node: Path) -> None:
    assert "cannot end before it starts" in one_line_error(amity(
        "--config", str(node), "announcement", "add", "x", "--starts-at", "2030-01-02",
        "--ends-at", "2030-01-01", cwd=node.parent))
    assert "needs some text" in one_line_error(amity("--config", str(node), "announcement", "add", "  ",
                                                     cwd=node.parent))
    assert "no announcement 42" in one_line_error(amity("--config", str(node), "announcement", "remove", "42",
                                                        cwd=node.parent))
    bad_date = amity("--config", str(node), "announcement", "add", "x", "--ends-at", "soon", cwd=node.parent)
    assert bad_date.returncode != 0 and "not an ISO 8601" in bad_date.stderr
    listed = amity("--config", str(node), "announcement", "list", cwd=node.parent)
    assert "no announcements" in listed.stdout
