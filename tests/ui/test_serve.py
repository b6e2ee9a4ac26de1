"""`amity serve` as `make run` starts it: a real process answering on a loopback port."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.integration.node import free_port


def _get(url: str) -> tuple[int, dict[str, object]]:
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status, json.loads(response.read())


def test_serve_answers_health_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    config = tmp_path / "data" / "amity.toml"
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path.cwd())}
    init = subprocess.run(
        [sys.executable, "-m", "ui.cli", "--config", str(config), "init", "--domain", f"localhost:{port}",
         "--allow-private-host", "127.0.0.0/8"],
        capture_output=True, text=True, timeout=60, env=env)
    assert init.returncode == 0, init.stderr
    server = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "--config", str(config), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 60
        status: tuple[int, dict[str, object]] | None = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status = _get(f"http://127.0.0.1:{port}/health")
                break
            except OSError:
                time.sleep(0.1)
        assert status == (200, {"status": "ok"}), server.stderr.read().decode() if server.stderr else ""
        assert _get(f"http://127.0.0.1:{port}/ready")[1]["migrations"] == "current"
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0
    events = [json.loads(line)["event"] for line in stderr.decode().splitlines() if line.startswith("{")]
    assert "serve.listening" in events and "worker.stopped" in events
    assert "Traceback" not in stderr.decode()
