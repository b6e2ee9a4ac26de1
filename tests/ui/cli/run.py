"""Running the `amity` command as operators do, in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

AMITY = [sys.executable, "-m", "ui.cli"]


def amity(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AMITY, *args], cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path.cwd())})


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]
