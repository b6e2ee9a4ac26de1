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
from dataclasses import asdict
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from bench import timeline_seed
from bench.servers import Server, asyncpg_dsn, pg_admin, print_json, serve
from bench.timeline_load import CONCURRENCY, HOME, PAGE, Get, measure, node_config
from bench.timeline_posting import creation
from bench.timeline_seed import FULL, NODE_DOMAIN, QUICK, Scale, Seeded, progress, seed

REQUESTS, QUICK_REQUESTS = 1_000, 300
POSTS, QUICK_POSTS = 200, 40
PAGES = 50  # per viewer: max_id is drawn from the newest PAGES pages
ROUNDS = 3
TARGET_RATIO = 0.1
PG_ENV = "AMITY_TEST_POSTGRES"
CEILING = "ceiling_bare_aiohttp"
CACHE_DIR = Path("data/bench")  # seeded SQLite files, keyed by schema hash and scale


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


def _amity_app(database_url: str, media_dir: str, stats_file: str | None = None) -> web.Application:
    from ui.api.status_cache import cache_of
    from ui.app import create_app
    from ui.logs import setup_logging

    config = node_config(database_url, media_dir)
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

async def _sqlite_database(tmp: Path, scale: Scale) -> tuple[str, Seeded]:
    """A seeded SQLite file: copied from the cache (keyed by schema hash and scale) or seeded
    and then cached, so later runs skip the seed."""
    name = f"timeline-{timeline_seed.schema_hash()}-{scale.accounts}-{scale.statuses}"
    cached, info = CACHE_DIR / f"{name}.db", CACHE_DIR / f"{name}.json"
    target = tmp / "timeline.db"
    if cached.exists() and info.exists():
        progress(f"sqlite: copying the cached seeded database {cached.name}")
        shutil.copyfile(cached, target)
        await _migrated(f"sqlite+aiosqlite:///{target}")
        return f"sqlite+aiosqlite:///{target}", Seeded(**json.loads(info.read_text()))
    seeded = await seed(f"sqlite+aiosqlite:///{target}", scale)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target, cached)
    info.write_text(json.dumps(asdict(seeded)))
    return f"sqlite+aiosqlite:///{target}", seeded


async def _migrated(url: str) -> None:
    """A cached copy is keyed by its columns: migrations since (an index) are applied to it."""
    from storage import migrate
    from storage.db import create_engine

    engine = create_engine(url)
    try:
        before, after = await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    if before != after:
        progress(f"sqlite: migrated the copy from {before} to {after}")


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
        progress(f"{name}: {len(first)} pages once, then {len(timed)} requests")
        result = await measure(server, first, timed, ok=200, sample_to=sample_to)
    finally:
        await server.stop()
    if stats_file.exists():  # the rendered-status cache over both passes
        result["status_cache"] = json.loads(stats_file.read_text())
    return result


# -- writes ------------------------------------------------------------------------------------

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
                progress(f"round {n + 1} of {rounds_count}")
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
                out["creation"][name] = await creation(name, url, tmp, s, posts)
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
