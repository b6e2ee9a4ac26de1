"""The posting half of `bench.timeline`: `POST /api/v1/statuses` by a member with 1,000 local
followers (the worker off), then the fan-out jobs those posts queued as their own step, beside a
bare status insert and a bare 1,000-row home insert."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.servers import Server
from bench.timeline_load import POST_CONCURRENCY, Post, measure, node_config
from bench.timeline_seed import NODE_DOMAIN, Seeded, progress
from storage.db import create_engine
from storage.models import Job, Status, TimelineEntry, utcnow
from storage.models.base import new_id


async def fanout_step(url: str, tmp: Path) -> dict[str, Any]:
    """Run the queued fan-out jobs with an in-process worker until none is left."""
    from storage.worker import Worker
    from ui.jobs import QUEUES, build_registry
    from ui.services import open_services

    config = node_config(url, str(tmp / "media"))
    async with open_services(config) as services:
        limits = config.limits
        async with services.sessions() as session:
            jobs = int(await session.scalar(select(func.count()).select_from(Job).where(
                Job.kind == "actors.fanout")) or 0)
            rows_before = int(await session.scalar(select(func.count()).select_from(TimelineEntry)) or 0)
        worker = Worker(services.engine, build_registry(), deps=services, queues=QUEUES,
                        concurrency=limits.worker_concurrency, batch_size=limits.job_batch_size,
                        lease_seconds=limits.job_lease_seconds)
        services.wake_workers = worker.wake
        stop = asyncio.Event()
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        task = asyncio.create_task(worker.run_forever(stop))
        while True:
            async with services.sessions() as session:
                left = int(await session.scalar(select(func.count()).select_from(Job).where(
                    Job.kind == "actors.fanout")) or 0)
            if not left:
                break
            await asyncio.sleep(0.05)
        wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
        stop.set()
        await task
        async with services.sessions() as session:
            rows_after = int(await session.scalar(select(func.count()).select_from(TimelineEntry)) or 0)
    return {"jobs": jobs, "seconds": round(wall, 3),
            "statuses_per_s": round(jobs / wall, 1) if wall else None,
            "cpu_s": round(cpu, 3), "home_rows_written": rows_after - rows_before}


async def bare_writes(url: str, poster_id: int, followers: list[int], posts: int) -> dict[str, Any]:
    """The ceilings: one status row per transaction; 1,000 home rows per transaction."""
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        for n in range(posts):
            status_id = new_id()
            async with engine.begin() as conn:
                await conn.execute(insert(Status), [{
                    "id": status_id, "uri": f"https://{NODE_DOMAIN}/users/bare/statuses/{status_id}",
                    "actor_id": poster_id, "local": True, "content": f"<p>bare {n}</p>",
                    "source_text": f"bare {n}",
                    "published_at": utcnow(), "visibility": "public"}])
        insert_s = time.perf_counter() - started
        started = time.perf_counter()
        async with engine.connect() as conn:
            ids = list((await conn.scalars(select(Status.id).where(Status.actor_id == poster_id)
                                           .order_by(Status.id.desc()).limit(posts))).all())
        for status_id in ids:
            async with engine.begin() as conn:
                await conn.execute(insert(TimelineEntry), [
                    {"id": new_id(), "owner_id": owner, "status_id": status_id} for owner in followers])
        fanout_s = time.perf_counter() - started
    finally:
        await engine.dispose()
    return {"bare_insert": {"statuses": posts, "seconds": round(insert_s, 3),
                            "statuses_per_s": round(posts / insert_s, 1)},
            "bare_fanout": {"statuses": len(ids), "seconds": round(fanout_s, 3),
                            "statuses_per_s": round(len(ids) / fanout_s, 1)}}


async def followers_of(url: str, poster_id: int) -> list[int]:
    from storage.models import Follow

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.scalars(select(Follow.follower_id).where(
                Follow.followee_id == poster_id))).all())
    finally:
        await engine.dispose()


async def creation(name: str, url: str, tmp: Path, seeded: Seeded, posts: int) -> dict[str, Any]:
    forms = [Post({"status": f"Today at the library: story hour {n} #reading", "visibility": "public"},
                  seeded.poster_token) for n in range(posts)]
    server = await Server.start(tmp / f"{name}-posts.log", "amity", url, str(tmp / "media"),
                                module="bench.timeline")
    try:
        progress(f"{name}: {posts} POST /api/v1/statuses")
        api = await measure(server, forms[:POST_CONCURRENCY], forms[POST_CONCURRENCY:], ok=200)
    finally:
        await server.stop()
    progress(f"{name}: fan-out of {posts} statuses to {seeded.local_followers} local followers")
    fanout = await fanout_step(url, tmp)
    followers = await followers_of(url, seeded.poster_id)
    progress(f"{name}: bare inserts")
    bare = await bare_writes(url, seeded.poster_id, followers, len(forms) - POST_CONCURRENCY)
    return {"api": api, "fanout": fanout, **bare, "local_followers": len(followers), "ratios": {
        "api / bare_insert": round(api["per_s"] / bare["bare_insert"]["statuses_per_s"], 3),
        "fanout / bare_fanout": round((fanout["statuses_per_s"] or 0)
                                      / bare["bare_fanout"]["statuses_per_s"], 3),
    }}


# -- the run -----------------------------------------------------------------------------------
