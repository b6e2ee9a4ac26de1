"""docs/design/architecture.md (the map of the code) and docs/security.md (where each defence
lives, and its test) name only folders and files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT / "docs" / "design" / "architecture.md"
DOCS = (MAP, ROOT / "docs" / "security.md")
TOP = ("storage/", "federation/", "actors/", "inbox/", "ui/", "tests/", "docs/")


def named_paths(text: str) -> set[str]:
    """Every `path/like/this.py` or `folder/` in backticks that starts at a top-level folder."""
    found = set()
    for quoted in re.findall(r"`([^`\s]+)`", text):
        path = quoted.split("::")[0].rstrip(".,")
        if path.startswith(TOP) and ("/" in path) and (path.endswith((".py", ".md", "/"))):
            found.add(path)
    return found


def _exists(path: str) -> bool:
    """The path exists; a pattern such as `tests/inbox/test_hostile*.py` matches something."""
    return any(ROOT.glob(path)) if "*" in path else (ROOT / path).exists()


def test_the_map_names_at_least_every_layer() -> None:
    assert {"storage/", "federation/", "actors/", "inbox/", "ui/"} <= named_paths(MAP.read_text())


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_folder_and_file_the_doc_names_exists(doc: Path) -> None:
    missing = sorted(p for p in named_paths(doc.read_text()) if not _exists(p))
    assert missing == [], f"{doc.relative_to(ROOT)} names paths that do not exist: {missing}"


def test_the_check_would_see_a_missing_path() -> None:
    assert named_paths("see `inbox/nowhere.py` and `ui/gone/`") == {"inbox/nowhere.py", "ui/gone/"}
    assert not _exists("inbox/nowhere.py") and not _exists("tests/inbox/test_nothing*.py")
