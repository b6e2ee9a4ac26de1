"""The Fedify interop peer's Node process (`node tests/interop/peer/peer.mjs`): start, wait for
READY, stop; its stderr for failing tests.

Nothing is installed here: `npm ci` in `tests/interop/peer` does that. Without it the tests
that need the peer are skipped, or fail when AMITY_TEST_REQUIRE_PEER=1 (CI).
"""

from __future__ import annotations

import os
import selectors
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, NoReturn, Self

import pytest

PEER_DIR = Path(__file__).resolve().parent / "peer"
REQUIRE_ENV = "AMITY_TEST_REQUIRE_PEER"  # "1" in CI: a missing peer fails, never skips
READY_TIMEOUT = 20.0  # seconds for `node peer.mjs` to print READY (~1 s; RSA-4096 keygen adds 2-8 s)
STOP_TIMEOUT = 5.0


class PeerError(Exception):
    """A control route answered with an error, or the peer could not be started."""


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1)", pytrace=False)
    pytest.skip(reason)


def node_executable() -> str:
    """The `node` binary, after checking the peer's dependencies are installed (else skip/fail)."""
    node = shutil.which("node")
    if node is None:
        _unavailable("Node.js is not installed: the Fedify interop peer needs `node` (>= 20)")
    if not (PEER_DIR / "node_modules" / "@fedify" / "fedify").is_dir():
        _unavailable(f"the Fedify interop peer is not installed: run `npm ci` in {PEER_DIR}")
    return node


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PeerProcess:
    """The `node peer.mjs` process. Synchronous, so one process can outlive event loops."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, stderr: IO[bytes]) -> None:
        self._proc = proc
        self._stderr = stderr
        self.port = port
        self.base_url = f"http://localhost:{port}"

    @classmethod
    def start(cls, *, timeout: float = READY_TIMEOUT, env: Mapping[str, str] | None = None,
              rsa_bits: int = 2048, attempts: int = 3) -> PeerProcess:
        """Start the peer on a free loopback port and wait (at most `timeout` s) for READY.

        `env` adds environment variables (PEER_LOG=debug copies Fedify's debug log to stderr);
        `rsa_bits=4096` gives alice a key the size Fedify applications generate by default.
        """
        node = node_executable()
        last_error = ""
        for _ in range(attempts):
            port = free_port()
            stderr = tempfile.TemporaryFile()  # noqa: SIM115 - owned by the PeerProcess
            proc = subprocess.Popen(
                [node, "peer.mjs", "--port", str(port), "--rsa-bits", str(rsa_bits)],
                cwd=PEER_DIR, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
                env={**os.environ, **(env or {})},
            )
            peer = cls(proc, port, stderr)
            try:
                peer._wait_ready(timeout)
                return peer
            except PeerError as exc:
                last_error = str(exc)
                peer.stop()
                if "EADDRINUSE" not in last_error:
                    break
        raise PeerError(last_error)

    def _wait_ready(self, timeout: float) -> None:
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        buffer = b""
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PeerError(
                        f"the Fedify peer did not start within {timeout} s:\n{self.stderr_tail()}"
                    )
                if not selector.select(remaining):
                    continue
                chunk = os.read(fd, 4096)
                if not chunk:
                    self._proc.wait(timeout=STOP_TIMEOUT)
                    raise PeerError(
                        f"the Fedify peer exited with {self._proc.returncode} before READY:\n"
                        f"{self.stderr_tail()}"
                    )
                buffer += chunk
        line = buffer.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
        if line != f"READY {self.base_url}":
            raise PeerError(f"unexpected first line from the Fedify peer: {line!r}")

    def stderr_tail(self, limit: int = 8000) -> str:
        """The last `limit` bytes the peer wrote to stderr (warnings and errors; all with PEER_LOG)."""
        if self._stderr.closed:
            return ""
        self._stderr.flush()
        size = self._stderr.seek(0, os.SEEK_END)
        self._stderr.seek(max(0, size - limit))
        text = self._stderr.read().decode("utf-8", "replace")
        self._stderr.seek(0, os.SEEK_END)
        return text

    @property
    def running(self) -> bool:
        return self._proc.poll() is None

    def stop(self) -> None:
        """Terminate the process (then kill it if it lingers) and release its pipes."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=STOP_TIMEOUT)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._stderr.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
