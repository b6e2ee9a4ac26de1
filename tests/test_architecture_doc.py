"""docs/design/architecture.md names only folders and files that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT / "docs" / "design" / "architecture.md"
TOP = ("storage/", "federation/", "actors/", "inbox/", "ui/", "tests/", "docs/")


def named_paths(text: str) -> set[str]:
    """Every `path/like/this.py` or `folder/` in backticks that starts at a top-level folder."""
    found = set()
    for quoted in re.findall(r"`([^`\s]+)`", text):
        path = quoted.split("::")[0].rstrip(".,")
        if path.startswith(TOP) and ("/" in path) and (path.endswith((".py", ".md", "/"))):
            found.add(path)
    return found


def test_the_map_names_at_least_every_layer() -> None:
    assert {"storage/", "federation/", "actors/", "inbox/", "ui/"} <= named_paths(MAP.read_text())


def test_every_folder_and_file_the_map_names_exists() -> None:
    missing = sorted(p for p in named_paths(MAP.read_text()) if not (ROOT / p).exists())
    assert missing == [], f"docs/design/architecture.md names paths that do not exist: {missing}"


def test_the_check_would_see_a_missing_path() -> None:
    assert named_paths("see `inbox/nowhere.py` and `ui/gone/`") == {"inbox/nowhere.py", "ui/gone/"}
