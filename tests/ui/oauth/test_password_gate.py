"""Password checks (scrypt: CPU and 16 MiB each) run a few at a time per process; other
sign-ins wait in line, in order, and past the line's length they get 503 with Retry-After."""

from __future__ import annotations

import asyncio
import threading

import pytest
from aiohttp import web

from ui.oauth import credentials
from ui.oauth.credentials import PasswordGate


class BlockingCheck:
    """Stands in for scrypt: records who runs at once, and waits until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started: list[str] = []
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def __call__(self, password: str, stored: str) -> bool:
        with self._lock:
            self.started.append(password)
            self.running += 1
            self.most = max(self.most, self.running)
        self.release.wait(10)
        with self._lock:
            self.running -= 1
        return password == stored


async def _until(condition: object) -> None:
    for _ in range(1000):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition never held")


async def test_checks_beyond_the_slots_wait_in_order_and_a_full_line_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    check = BlockingCheck()
    monkeypatch.setattr(credentials, "verify_password", check)
    gate = PasswordGate(at_once=1, queued=2)
    first = asyncio.create_task(gate.verify("a", "a"))
    await _until(lambda: check.started == ["a"])
    second = asyncio.create_task(gate.verify("b", "x"))
    await asyncio.sleep(0)
    third = asyncio.create_task(gate.verify("c", "c"))
    await asyncio.sleep(0)
    with pytest.raises(web.HTTPServiceUnavailable) as refused:
        await gate.verify("d", "d")
    assert refused.value.headers["Retry-After"] == "1"
    assert check.started == ["a"]  # the others wait without a thread of their own
    check.release.set()
    assert await asyncio.gather(first, second, third) == [True, False, True]
    assert check.started == ["a", "b", "c"] and check.most == 1
