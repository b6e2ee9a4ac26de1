"""No two production classes share a name: a name says which concept it is, wherever it is read."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["storage", "federation", "actors", "inbox", "ui"]


def class_names(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]


def duplicates(paths: list[Path]) -> dict[str, list[str]]:
    where: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        for name in class_names(path):
            where[name].append(str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path))
    return {name: sorted(found) for name, found in sorted(where.items()) if len(found) > 1}


def test_no_two_production_classes_share_a_name() -> None:
    assert duplicates([path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]) == {}


def test_the_checker_sees_a_shared_name(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("class Prepared:\n    pass\nclass Only:\n    pass\n")
    (tmp_path / "b.py").write_text("def f():\n    class Prepared:\n        pass\n")
    assert duplicates([tmp_path / "a.py", tmp_path / "b.py"]) == {
        "Prepared": sorted([str(tmp_path / "a.py"), str(tmp_path / "b.py")])}
