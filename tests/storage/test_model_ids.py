"""Time-sortable ids: increasing in a process, unique across processes, placed by time."""

from __future__ import annotations

import itertools
import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.db import claim_process_tag, create_engine
from storage.models.base import id_for_time, id_time_ms, min_id_for_time, new_id, process_tag, set_process_tag
from tests.conftest import new_database


def _many_ids(count: int) -> list[int]:
    return [new_id() for _ in range(count)]


def _many_ids_with_tag(tag: int) -> list[int]:
    set_process_tag(tag)
    return _many_ids(50_000)


def test_ids_strictly_increase_within_a_process() -> None:
    ids = _many_ids(100_000)
    assert all(b > a for a, b in itertools.pairwise(ids))
    assert 0 < ids[0] < 2**63


def test_ids_from_processes_with_distinct_tags_never_clash() -> None:
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        batches = pool.map(_many_ids_with_tag, [0, 1, 2, 1023])
    everything = [i for batch in batches for i in batch]
    assert len(set(everything)) == len(everything)


def test_an_id_encodes_its_time() -> None:
    before = int(datetime.now(UTC).timestamp() * 1000)
    value = new_id()
    after = int(datetime.now(UTC).timestamp() * 1000)
    assert before <= id_time_ms(value) <= after


def test_ids_for_past_times_sort_by_time_and_clamp_to_now() -> None:
    now = datetime.now(UTC)
    old, older = id_for_time(now - timedelta(days=1)), id_for_time(now - timedelta(days=2))
    assert older < old < new_id()
    future = id_for_time(now + timedelta(days=365), not_after=now)
    assert id_time_ms(future) <= int(now.timestamp() * 1000)
    assert min_id_for_time(now - timedelta(days=1)) <= old


def test_more_than_2048_ids_in_a_millisecond_stay_unique_and_increasing() -> None:
    ids = _many_ids(10_000)
    assert len(set(ids)) == 10_000 and ids == sorted(ids)


async def test_each_process_on_postgresql_gets_its_own_tag(tmp_path: Path,
                                                          request: pytest.FixtureRequest) -> None:
    tags = set()
    async for url in new_database("postgresql", tmp_path, request):
        for _ in range(3):
            engine = create_engine(url)
            await claim_process_tag(engine)
            tags.add(process_tag())
            await engine.dispose()
    assert len(tags) == 3
