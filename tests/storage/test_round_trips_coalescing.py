"""Coalescing: callers that arrive during a run share the next one; a lone caller runs at once."""

from __future__ import annotations

import asyncio

import pytest

from storage.round_trips import Coalescer


class Recorder:
    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_on = fail_on
        self.release = asyncio.Event()

    async def run(self, items: list[int]) -> list[int]:
        self.batches.append(items)
        await self.release.wait()
        if self.fail_on in items:
            raise ValueError(f"refused {self.fail_on}")
        return [item * 10 for item in items]


async def test_a_lone_item_runs_at_once() -> None:
    recorder = Recorder()
    recorder.release.set()
    coalescer = Coalescer(recorder.run, max_batch=10)
    assert await coalescer.submit(4) == 40
    assert recorder.batches == [[4]]


async def test_items_arriving_during_a_run_share_the_next_run_in_order() -> None:
    recorder = Recorder()
    coalescer = Coalescer(recorder.run, max_batch=3)
    first = asyncio.create_task(coalescer.submit(1))
    await asyncio.sleep(0)  # the first run starts and waits
    rest = [asyncio.create_task(coalescer.submit(n)) for n in range(2, 7)]
    await asyncio.sleep(0)
    recorder.release.set()
    assert await first == 10
    assert [await task for task in rest] == [20, 30, 40, 50, 60]
    assert recorder.batches == [[1], [2, 3, 4], [5, 6]]  # max_batch caps each run


async def test_a_failed_run_fails_its_callers_only() -> None:
    recorder = Recorder(fail_on=3)
    coalescer = Coalescer(recorder.run, max_batch=2)
    first = asyncio.create_task(coalescer.submit(1))
    await asyncio.sleep(0)
    tasks = [asyncio.create_task(coalescer.submit(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    recorder.release.set()
    assert await first == 10
    for task in tasks[:2]:
        with pytest.raises(ValueError, match="refused 3"):
            await task
    assert await tasks[2] == 40  # the next batch ran anyway
    assert recorder.batches == [[1], [2, 3], [4]]
