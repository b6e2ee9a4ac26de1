"""`kernel.probe`: a job that does nothing, or waits, on purpose.

Operators use it to check that workers run (`amity queue ping`); benchmarks use it to
measure the kernel alone; the kernel's process tests use `hang_on_attempts` to hold a job
while its worker is killed. Payload (all optional):
    sleep_ms: int            wait this long, then succeed
    hang_on_attempts: [int]  on these attempt numbers, wait (almost) forever
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.worker import JobContext

PROBE_KIND = "kernel.probe"
_FOREVER_S = 3600.0


async def run_probe(ctx: JobContext) -> None:
    payload = ctx.payload if isinstance(ctx.payload, dict) else {}
    if ctx.job.attempts in payload.get("hang_on_attempts", ()):
        await asyncio.sleep(_FOREVER_S)
    sleep_ms = payload.get("sleep_ms")
    if isinstance(sleep_ms, int) and sleep_ms > 0:
        await asyncio.sleep(sleep_ms / 1000)
