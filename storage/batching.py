"""Coalescing: concurrent callers' items handled by one call instead of one call each.

Under load, items that arrive while a run is in progress wait for the next run, which takes
all of them at once (one database round trip or one transaction for many requests). When
nothing else is waiting, an item runs alone, at once: coalescing never adds a delay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class Coalescer(Generic[Item, Result]):
    """`await submit(item)` returns `run(batch)[i]` for the batch the item was part of.

    If `run` raises, every caller of that batch gets the exception; the next batch runs anyway.
    """

    def __init__(self, run: Callable[[list[Item]], Awaitable[Sequence[Result]]], *, max_batch: int) -> None:
        self._run = run
        self._max_batch = max_batch
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        done: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, done))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run_all())
        return await done

    async def _run_all(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:self._max_batch], self._pending[self._max_batch:]
            try:
                results = await self._run([item for item, _ in batch])
            except BaseException as exc:  # handed to every waiting caller
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for (_, done), result in zip(batch, results, strict=True):
                if not done.done():
                    done.set_result(result)
