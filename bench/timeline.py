"""Home timeline reads and status creation on a big node, beside a bare aiohttp ceiling.

The database (`bench.timeline_seed`): 10,000 accounts, 1,000,000 statuses with media, polls,
tags, mentions, replies and boosts; VIEWERS members who follow a few hundred accounts each, with
their home-feed rows as fan-out writes them (`--quick`: 2,000 accounts, 50,000 statuses).

Reads: `GET /api/v1/timelines/home?limit=40&max_id=…` with the viewers' real bearer tokens from
16 concurrent keep-alive connections (one aiohttp ClientSession), `max_id` drawn from the
newest PAGES pages of each viewer's feed so the run is not one cached page. The server is a
separate process (`python -m bench.timeline --serve ...`):

    amity_sqlite           the real app, `create_app(config, run_workers=False)`, on SQLite
    amity_postgresql       the same on PostgreSQL (when AMITY_TEST_POSTGRES is set)
    ceiling_bare_aiohttp   a bare aiohttp route answering a real 40-status page (taken from the
                           first Amity answer), serialized with orjson on every request, as Amity
                           does; no database

Writes: `POST /api/v1/statuses` by a member with 1,000 local followers (the worker off), then
the fan-out jobs those posts queued, run by an in-process `storage.worker.Worker` as its own
step (each writes 1,000 home-feed rows). Their ceilings, same database, same run: a bare Core
insert of a status row (one transaction each) and a bare executemany of 1,000 home rows.

Reported: requests/s, p50/p99, server CPU per request, and the ratios (target for the home
timeline: at least 0.1 of the ceiling).

    python -m bench.timeline [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiohttp import web
from sqlalchemy import func, insert, select

from bench import timeline_seed
from bench.servers import Server, asyncpg_dsn, percentile, pg_admin, print_json, serve
from bench.timeline_seed import FULL, NODE_DOMAIN, QUICK, Scale, Seeded, seed
from storage.config import build_config
from storage.db import create_engine
from storage.ids import new_id
from storage.models import Job, Status, TimelineEntry, utcnow

REQUESTS, QUICK_REQUESTS = 1_000, 300
POSTS, QUICK_POSTS = 200, 40
CONCURRENCY = 16
POST_CONCURRENCY = 4
PAGE = 40
PAGES = 50  # per viewer: max_id is drawn from the newest PAGES pages
ROUNDS = 3
TARGET_RATIO = 0.1
PG_ENV = "AMITY_TEST_POSTGRES"
CEILING = "ceiling_bare_aiohttp"
HOME = "/api/v1/timelines/home"
REQUEST_TIMEOUT_S = 120.0
ERROR_SAMPLES = 5
CACHE_DIR = Path("data/bench")  # seeded SQLite files, keyed by schema hash and scale


def _progress(message: str) -> None:
    print(f"bench.timeline: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Get:
    path: str
    token: str


def _pages(seeded: Seeded) -> list[Get]:
    """Every page the run asks for: each viewer's newest PAGES pages (max_id at page boundaries)."""
    gets = []
    for token, ids in zip(seeded.viewer_tokens, seeded.viewer_page_ids, strict=True):
        gets.append(Get(f"{HOME}?limit={PAGE}", token))
        gets += [Get(f"{HOME}?limit={PAGE}&max_id={ids[k * PAGE - 1]}", token)
                 for k in range(1, PAGES) if k * PAGE - 1 < len(ids)]
    return gets


def _reads(seeded: Seeded, count: int, seed: int = 7) -> tuple[list[Get], list[Get]]:
    """(first pass, timed): every page once in a random order, then `count` draws from them."""
    rng = random.Random(seed)
    pages = _pages(seeded)
    first = rng.sample(pages, len(pages))
    return first, [rng.choice(pages) for _ in range(count)]


# -- the servers (separate processes) --------------------------------------------------------

def _ceiling_app(body_file: Path) -> web.Application:
    page = orjson.loads(body_file.read_bytes())

    async def home(request: web.Request) -> web.Response:
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return web.json_response({"error": "The access token is invalid"}, status=401)
        link = f'<http://{NODE_DOMAIN}{HOME}?max_id={page[-1]["id"]}>; rel="next"'
        return web.Response(body=orjson.dumps(page), content_type="application/json", headers={"Link": link})

    app = web.Application()
    app.router.add_get(HOME, home)
    return app


def _config(database_url: str, media_dir: str) -> Any:
    return build_config({"domain": NODE_DOMAIN, "scheme": "https", "database_url": database_url,
                         "secret_key": secrets.token_urlsafe(40), "media_dir": media_dir,
                         "log_level": "warning", "log_format": "json"})


def _amity_app(database_url: str, media_dir: str, stats_file: str | None = None) -> web.Application:
    from ui.api.status_cache import cache_of
    from ui.app import create_app
    from ui.logs import setup_logging

    config = _config(database_url, media_dir)
    setup_logging(config.log_level, config.log_format)
    app = create_app(config, run_workers=False)

    async def write_cache_stats(app: web.Application) -> None:
        if stats_file:
            cache = cache_of(app)
            stats = {"status_hits": cache.hits, "status_misses": cache.misses}
            Path(stats_file).write_text(json.dumps(stats))

    app.on_cleanup.append(write_cache_stats)
    return app


# -- the load generator ------------------------------------------------------------------------

async def _send(port: int, requests: list[Any], *, ok: int, sample_to: Path | None = None) -> dict[str, Any]:
    """Every request with CONCURRENCY in flight over one pooled session; the `ok` answers timed."""
    base = f"http://127.0.0.1:{port}"
    pending: Iterator[Any] = iter(requests)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    samples: list[str] = []
    body_bytes: list[int] = []

    async def one(session: aiohttp.ClientSession, request: Any) -> None:
        headers = {"Authorization": f"Bearer {request.token}"}
        started = time.perf_counter()
        try:
            if isinstance(request, Get):
                response_cm = session.get(base + request.path, headers=headers)
            else:
                response_cm = session.post(base + "/api/v1/statuses", data=request.form, headers=headers)
            async with response_cm as response:
                body = await response.read()
                status = str(response.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            body, status = f"{type(exc).__name__}: {exc}".encode(), "exception"
        if status == str(ok):
            latencies.append(time.perf_counter() - started)
            body_bytes.append(len(body))
            if sample_to is not None and not sample_to.exists() and len(orjson.loads(body)) == PAGE:
                sample_to.write_bytes(body)
        elif len(samples) < ERROR_SAMPLES:
            samples.append(f"{status}: {body[:300]!r}")
        statuses[status] += 1

    async def sender(session: aiohttp.ClientSession) -> None:
        for request in pending:
            await one(session, request)

    concurrency = CONCURRENCY if requests and isinstance(requests[0], Get) else POST_CONCURRENCY
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        await asyncio.gather(*(sender(session) for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    done = statuses.pop(str(ok), 0)
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    return {
        "ok": done, "seconds": round(wall, 3), "per_s": round(done / wall, 1),
        "p50_ms": None if p50 is None else round(p50 * 1000, 1),
        "p99_ms": None if p99 is None else round(p99 * 1000, 1),
        "body_bytes_mean": round(statistics.mean(body_bytes)) if body_bytes else None,
        "errors": sum(statuses.values()), "error_statuses": dict(statuses), "error_samples": samples,
        "client_cpu_s": round(cpu, 3), "concurrency": concurrency,
    }


async def _measure(server: Server, warmup: list[Any], timed: list[Any], *, ok: int,
                   sample_to: Path | None = None) -> dict[str, Any]:
    warm = await _send(server.port, warmup, ok=ok, sample_to=sample_to) if warmup else None
    cpu_before = server.cpu_s()
    result = await _send(server.port, timed, ok=ok)
    cpu_after = server.cpu_s()
    if cpu_before is not None and cpu_after is not None:
        result["server_cpu_s"] = round(cpu_after - cpu_before, 3)
        result["server_cpu_ms_per_request"] = round((cpu_after - cpu_before) * 1000 / len(timed), 3)
    if warm is not None:
        result["first_pass"] = {k: warm[k] for k in ("ok", "seconds", "per_s", "p50_ms", "p99_ms", "errors",
                                                      "error_samples")}
    return result


# -- the databases -----------------------------------------------------------------------------

async def _sqlite_database(tmp: Path, scale: Scale) -> tuple[str, Seeded]:
    """A seeded SQLite file: copied from the cache (keyed by schema hash and scale) or seeded
    and then cached, so later runs skip the seed."""
    name = f"timeline-{timeline_seed.schema_hash()}-{scale.accounts}-{scale.statuses}"
    cached, info = CACHE_DIR / f"{name}.db", CACHE_DIR / f"{name}.json"
    target = tmp / "timeline.db"
    if cached.exists() and info.exists():
        _progress(f"sqlite: copying the cached seeded database {cached.name}")
        shutil.copyfile(cached, target)
        return f"sqlite+aiosqlite:///{target}", Seeded(**json.loads(info.read_text()))
    seeded = await seed(f"sqlite+aiosqlite:///{target}", scale)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target, cached)
    info.write_text(json.dumps(asdict(seeded)))
    return f"sqlite+aiosqlite:///{target}", seeded


async def _pg_database(admin_url: str, scale: Scale) -> tuple[str, str, Seeded]:
    name = f"amity_bench_timeline_{secrets.token_hex(4)}"
    await pg_admin(admin_url, f"CREATE DATABASE {name}")
    base = asyncpg_dsn(admin_url).rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    url = f"{base}/{name}"
    return name, url, await seed(url, scale)


# -- reads -------------------------------------------------------------------------------------

async def _read_run(name: str, tmp: Path, server_args: list[str], first: list[Get], timed: list[Get],
                    sample_to: Path | None = None) -> dict[str, Any]:
    stats_file = tmp / f"{name}-cache.json"
    stats_file.unlink(missing_ok=True)
    if server_args[0] == "amity":
        server_args = [*server_args, str(stats_file)]
    server = await Server.start(tmp / f"{name}.log", *server_args, module="bench.timeline")
    try:
        _progress(f"{name}: {len(first)} pages once, then {len(timed)} requests")
        result = await _measure(server, first, timed, ok=200, sample_to=sample_to)
    finally:
        await server.stop()
    if stats_file.exists():  # the rendered-status cache over both passes
        result["status_cache"] = json.loads(stats_file.read_text())
    return result


# -- writes ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Post:
    form: dict[str, str]
    token: str


async def _fanout_step(url: str, tmp: Path) -> dict[str, Any]:
    """Run the queued fan-out jobs with an in-process worker until none is left."""
    from storage.worker import Worker
    from ui.jobs import QUEUES, build_registry
    from ui.services import open_services

    config = _config(url, str(tmp / "media"))
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


async def _bare_writes(url: str, poster_id: int, followers: list[int], posts: int) -> dict[str, Any]:
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


async def _followers_of(url: str, poster_id: int) -> list[int]:
    from storage.models import Follow

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.scalars(select(Follow.follower_id).where(
                Follow.followee_id == poster_id))).all())
    finally:
        await engine.dispose()


async def _creation(name: str, url: str, tmp: Path, seeded: Seeded, posts: int) -> dict[str, Any]:
    forms = [Post({"status": f"Today at the library: story hour {n} #reading", "visibility": "public"},
                  seeded.poster_token) for n in range(posts)]
    server = await Server.start(tmp / f"{name}-posts.log", "amity", url, str(tmp / "media"),
                                module="bench.timeline")
    try:
        _progress(f"{name}: {posts} POST /api/v1/statuses")
        api = await _measure(server, forms[:POST_CONCURRENCY], forms[POST_CONCURRENCY:], ok=200)
    finally:
        await server.stop()
    _progress(f"{name}: fan-out of {posts} statuses to {seeded.local_followers} local followers")
    fanout = await _fanout_step(url, tmp)
    followers = await _followers_of(url, seeded.poster_id)
    _progress(f"{name}: bare inserts")
    bare = await _bare_writes(url, seeded.poster_id, followers, len(forms) - POST_CONCURRENCY)
    return {"api": api, "fanout": fanout, **bare, "local_followers": len(followers), "ratios": {
        "api / bare_insert": round(api["per_s"] / bare["bare_insert"]["statuses_per_s"], 3),
        "fanout / bare_fanout": round((fanout["statuses_per_s"] or 0)
                                      / bare["bare_fanout"]["statuses_per_s"], 3),
    }}


# -- the run -----------------------------------------------------------------------------------

def _median_round(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda r: float(r["per_s"]))
    return {**ordered[len(ordered) // 2], "per_s_rounds": [r["per_s"] for r in runs]}


async def _run(scale: Scale, requests: int, rounds_count: int, posts: int) -> dict[str, Any]:
    out: dict[str, Any] = {"scale": asdict(scale), "requests": requests, "concurrency": CONCURRENCY,
                           "page": PAGE, "pages_per_viewer": PAGES}
    admin_url = os.environ.get(PG_ENV)
    with tempfile.TemporaryDirectory(prefix="amity-bench-timeline-") as tmp_dir:
        tmp = Path(tmp_dir)
        engines: dict[str, tuple[str, Seeded]] = {}
        sqlite_url, seeded = await _sqlite_database(tmp, scale)
        engines["amity_sqlite"] = (sqlite_url, seeded)
        pg_name = None
        if admin_url:
            pg_name, pg_url, pg_seeded = await _pg_database(admin_url, scale)
            engines["amity_postgresql"] = (pg_url, pg_seeded)
        out["seed"] = {name: {"seconds": s.seconds, "rows": s.counts} for name, (_, s) in engines.items()}
        body_file = tmp / "page.json"
        try:
            rounds: list[dict[str, Any]] = []
            for n in range(rounds_count):  # alternating, so a noisy spell hits every server alike
                _progress(f"round {n + 1} of {rounds_count}")
                this: dict[str, Any] = {}
                for name, (url, s) in engines.items():
                    first, timed = _reads(s, requests, seed=n)
                    this[name] = await _read_run(name, tmp, ["amity", url, str(tmp / "media")],
                                                 first, timed, sample_to=body_file)
                    if not body_file.exists():
                        raise RuntimeError(f"{name} gave no full page to copy: {this[name]['error_samples']}")
                    if CEILING not in this:
                        this[CEILING] = await _read_run(CEILING, tmp, ["ceiling", str(body_file)],
                                                        first, timed)
                rounds.append(this)
            out["rounds"] = rounds_count
            out["ratios"] = {}
            for name in rounds[0]:
                out[name] = _median_round([r[name] for r in rounds])
                if name != CEILING:
                    paired = [round(r[name]["per_s"] / r[CEILING]["per_s"], 3) for r in rounds]
                    out["ratios"][f"{name} / {CEILING}"] = statistics.median(paired)
                    out["ratios"][f"{name} / {CEILING} per round"] = paired
            out["ratios"]["target"] = f">= {TARGET_RATIO} (reported, not enforced)"
            out["creation"] = {}
            for name, (url, s) in engines.items():
                out["creation"][name] = await _creation(name, url, tmp, s, posts)
        finally:
            if pg_name and admin_url:
                await pg_admin(admin_url, f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
    if not admin_url:
        out["amity_postgresql"] = f"skipped: set {PG_ENV} (or run `make bench`)"
    out["notes"] = [
        "reads: each server in its own process, the load generator in this one (one aiohttp "
        f"ClientSession, {CONCURRENCY} keep-alive connections); server CPU is the server process alone",
        f"max_id is drawn from the newest {PAGES} pages of each viewer's home feed; one request in ten "
        "asks for the newest page; the first requests of each run are a warm-up, not timed",
        "the ceiling answers a real 40-status page taken from Amity's first answer, serialized with "
        "orjson on every request; it reads no database",
        "full runs measure every server ROUNDS times, alternating; each block is its median round, "
        "each ratio the median of the per-round ratios",
        "creation: the API answers with the worker off; the fan-out jobs run afterwards as their own "
        "step; the bare ceilings run on the same database right after",
    ]
    return out


def run(quick: bool) -> dict[str, Any]:
    if quick:
        return asyncio.run(_run(QUICK, QUICK_REQUESTS, 1, QUICK_POSTS))
    return asyncio.run(_run(FULL, REQUESTS, ROUNDS, POSTS))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.timeline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 accounts, 50,000 statuses, one round")
    parser.add_argument("--serve", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        kind, *rest = args.serve
        app = _ceiling_app(Path(rest[0])) if kind == "ceiling" else _amity_app(*rest)
        asyncio.run(serve(app))
        return 0
    print_json(run(args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
