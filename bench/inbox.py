"""Inbox acceptance: signed Create(Note) POSTs per second into the shared inbox (`POST /inbox`).

1,000 remote actors (50 domains x 20 actors, sharing 20 RSA-2048 key pairs, each actor with its
own uri and keyId) are inserted into the node's database before the run, so the inbox finds
every key in its cache and fetches nothing. Every request is signed (draft-cavage, Digest,
Date) before the clock starts and carries a distinct activity id; the load generator (this
process, one aiohttp ClientSession, a pool of 64 connections, 64 requests in flight) sends them
to a server in a separate process:

    amity_sqlite           the real app, `create_app(config, run_workers=False)`, on SQLite:
                           202 comes only after the activity's row and job are committed
    amity_postgresql       the same on PostgreSQL (when AMITY_TEST_POSTGRES is set)
    ceiling_bare_aiohttp   a bare aiohttp route that reads the body and runs
                           `federation.httpsig.signatures.verify_request` (Digest, Date, RSA) against an
                           in-memory key table, then answers 202; no database

Reported: accepted requests per second (202s over wall time), latency p50/p99 of the 202s,
every other answer as an error (count, statuses, the first few bodies), CPU of the server and
client processes, each Amity run's `inbox_items` count (it must equal the 202s), and the ratio
of each Amity run to the ceiling (target: at least 0.5). Workers do not run: this measures
acceptance, not processing.

    python -m bench.inbox [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, insert, select

from bench.servers import Server, asyncpg_dsn, percentile, pg_admin, print_json, serve
from federation.httpsig.keys import generate_rsa_keypair
from federation.httpsig.signatures import PublicKeyInfo, SignatureError, sign_request, verify_request
from storage import migrate
from storage.config import build_config
from storage.db import create_engine, session_maker
from storage.models import ACCEPTED, Actor, Follow, InboxItem, Job, utcnow
from storage.models.base import new_id

REQUESTS, QUICK_REQUESTS = 4_000, 1_000
CONCURRENCY = 64
WARMUP = 2 * CONCURRENCY  # opens every pooled connection and warms caches; not timed
DOMAINS, ACTORS_PER_DOMAIN, KEY_PAIRS = 50, 20, 20
NODE_DOMAIN = "amity.bench"  # what the node calls itself; the Host header of every request
PG_ENV = "AMITY_TEST_POSTGRES"
AS2 = "application/activity+json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ERROR_SAMPLES = 5
REQUEST_TIMEOUT_S = 60.0
TARGET_RATIO = 0.5
ROUNDS = 3  # full runs: each server this many times, alternating; medians reported
CEILING = "ceiling_bare_aiohttp"


def _progress(message: str) -> None:
    print(f"bench.inbox: {message}", file=sys.stderr, flush=True)


# -- the remote actors and their requests --------------------------------------------------

@dataclass(frozen=True)
class RemoteActor:
    domain: str
    username: str
    private_pem: str
    public_pem: str

    @property
    def uri(self) -> str:
        return f"https://{self.domain}/users/{self.username}"

    @property
    def key_id(self) -> str:
        return f"{self.uri}#main-key"


@dataclass(frozen=True)
class Signed:
    headers: dict[str, str]
    body: bytes


def _remote_actors() -> list[RemoteActor]:
    pairs = [generate_rsa_keypair() for _ in range(KEY_PAIRS)]
    actors: list[RemoteActor] = []
    for d in range(DOMAINS):
        for a in range(ACTORS_PER_DOMAIN):
            private_pem, public_pem = pairs[len(actors) % KEY_PAIRS]
            actors.append(RemoteActor(f"remote-{d}.example", f"u{a}", private_pem, public_pem))
    return actors


def _create_note(actor: RemoteActor, n: int) -> dict[str, Any]:
    """A Create(Note) that passes the inbox's precheck: ids on the actor's origin, attributed to it."""
    note_id = f"{actor.uri}/statuses/{n}"
    published = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    addressing = {"to": [PUBLIC], "cc": [f"{actor.uri}/followers"]}
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": f"{note_id}/activity", "type": "Create", "actor": actor.uri, "published": published,
        **addressing,
        "object": {"id": note_id, "type": "Note", "attributedTo": actor.uri, "published": published,
                   "url": f"https://{actor.domain}/@{actor.username}/{n}", **addressing,
                   "content": f"<p>Benchmark note {n} from {actor.username}@{actor.domain}</p>",
                   "sensitive": False, "tag": [], "attachment": []},
    }


def _presign(actors: list[RemoteActor], count: int) -> list[Signed]:
    """`count` requests, round-robin over the actors, each with its own activity id."""
    url = f"http://{NODE_DOMAIN}/inbox"
    signed = []
    for n in range(count):
        actor = actors[n % len(actors)]
        body = json.dumps(_create_note(actor, n), separators=(",", ":")).encode()
        headers = sign_request("POST", url, key_id=actor.key_id, private_key_pem=actor.private_pem,
                               body=body, content_type=AS2)
        signed.append(Signed(headers, body))
    return signed


# -- the servers (separate processes: `python -m bench.inbox --serve ...`) --------------------

def _ceiling_app(keys_file: Path) -> web.Application:
    """POST /inbox: read the body, check Digest, Date and signature with in-memory keys; 202."""
    keys = {key_id: PublicKeyInfo(pem, owner)
            for key_id, (pem, owner) in json.loads(keys_file.read_text()).items()}

    async def lookup(key_id: str, refresh: bool) -> PublicKeyInfo:
        try:
            return keys[key_id]
        except KeyError:
            raise SignatureError(f"unknown keyId {key_id}") from None

    async def inbox(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            await verify_request(request.method, request.raw_path, request.headers, body, lookup)
        except SignatureError as exc:
            return web.json_response({"error": exc.reason}, status=401)
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/inbox", inbox)
    return app


def _amity_app(database_url: str, media_dir: str) -> web.Application:
    from ui.app import create_app  # the server process alone needs the whole app
    from ui.logs import setup_logging

    config = build_config({"domain": NODE_DOMAIN, "scheme": "http", "database_url": database_url,
                           "secret_key": secrets.token_urlsafe(40), "media_dir": media_dir,
                           "log_level": "warning", "log_format": "json"})
    setup_logging(config.log_level, config.log_format)
    return create_app(config, run_workers=False)


# -- the load generator ----------------------------------------------------------------------

async def _send(port: int, requests: list[Signed]) -> dict[str, Any]:
    """All `requests` with CONCURRENCY in flight over one pooled session; the 202s, timed."""
    url = f"http://127.0.0.1:{port}/inbox"
    pending: Iterator[Signed] = iter(requests)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    samples: list[str] = []

    async def sender(session: aiohttp.ClientSession) -> None:
        for signed in pending:  # shared iterator: each request goes out once
            started = time.perf_counter()
            try:
                async with session.post(url, data=signed.body, headers=signed.headers) as response:
                    text = await response.text()
                    status = str(response.status)
            except (aiohttp.ClientError, TimeoutError) as exc:
                text, status = f"{type(exc).__name__}: {exc}", "exception"
            if status == "202":
                latencies.append(time.perf_counter() - started)
            elif len(samples) < ERROR_SAMPLES:
                samples.append(f"{status}: {text[:300]}")
            statuses[status] += 1

    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        await asyncio.gather(*(sender(session) for _ in range(CONCURRENCY)))
        wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    accepted = statuses.pop("202", 0)
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    return {
        "accepted": accepted, "seconds": round(wall, 3), "accepted_per_s": round(accepted / wall, 1),
        "p50_ms": None if p50 is None else round(p50 * 1000, 1),
        "p99_ms": None if p99 is None else round(p99 * 1000, 1),
        "errors": sum(statuses.values()), "error_statuses": dict(statuses), "error_samples": samples,
        "client_cpu_s": round(cpu, 3),
    }


async def _measure(server: Server, warmup: list[Signed], timed: list[Signed]) -> dict[str, Any]:
    warm = await _send(server.port, warmup)
    cpu_before = server.cpu_s()
    result = await _send(server.port, timed)
    cpu_after = server.cpu_s()
    if cpu_before is not None and cpu_after is not None:
        result["server_cpu_s"] = round(cpu_after - cpu_before, 3)
        result["server_cpu_ms_per_request"] = round((cpu_after - cpu_before) * 1000 / len(timed), 3)
    result["warmup"] = {"requests": len(warmup), "accepted": warm["accepted"], "errors": warm["errors"],
                        "error_samples": warm["error_samples"]}
    return result


# -- the runs ----------------------------------------------------------------------------------

async def _ceiling(tmp: Path, actors: list[RemoteActor], warmup: list[Signed],
                   timed: list[Signed]) -> dict[str, Any]:
    keys_file = tmp / "keys.json"
    keys_file.write_text(json.dumps({a.key_id: [a.public_pem, a.uri] for a in actors}))
    server = await Server.start(tmp / "ceiling.log", "ceiling", str(keys_file), module="bench.inbox")
    try:
        _progress(f"ceiling_bare_aiohttp: {len(timed)} requests")
        return await _measure(server, warmup, timed)
    finally:
        await server.stop()


async def _seed(url: str, actors: list[RemoteActor]) -> None:
    """Migrate, then insert the remote actors with their keys (as if fetched earlier), each
    followed by a local reader (the inbox drops posts from accounts nobody here follows)."""
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        fetched = utcnow()
        rows = [{"id": new_id(), "username": a.username, "domain": a.domain, "uri": a.uri,
                 "url": f"https://{a.domain}/@{a.username}", "inbox_url": f"{a.uri}/inbox",
                 "shared_inbox_url": f"https://{a.domain}/inbox", "outbox_url": f"{a.uri}/outbox",
                 "followers_url": f"{a.uri}/followers", "following_url": f"{a.uri}/following",
                 "key_id": a.key_id, "public_key_pem": a.public_pem, "actor_type": "Person",
                 "display_name": a.username, "note": "", "fields": [], "also_known_as": [],
                 "fetched_at": fetched}
                for a in actors]
        reader = f"http://{NODE_DOMAIN}/users/reader"
        follows = [{"id": new_id(), "follower_id": 1, "followee_id": row["id"], "state": ACCEPTED,
                    "uri": f"{reader}#follows/{row['id']}"} for row in rows]
        async with session_maker(engine)() as session, session.begin():
            await session.execute(insert(Actor), rows)
            await session.execute(insert(Actor), [{
                "id": 1, "username": "reader", "domain": None, "uri": reader, "actor_type": "Person",
                "display_name": "reader", "note": "", "fields": [], "also_known_as": []}])
            await session.execute(insert(Follow), follows)
    finally:
        await engine.dispose()


async def _committed(url: str) -> tuple[int, int]:
    """(inbox_items rows, jobs rows) in the node's database."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            items = (await conn.execute(select(func.count()).select_from(InboxItem))).scalar_one()
            jobs = (await conn.execute(select(func.count()).select_from(Job))).scalar_one()
        return int(items), int(jobs)
    finally:
        await engine.dispose()


async def _amity(name: str, url: str, tmp: Path, actors: list[RemoteActor], warmup: list[Signed],
                 timed: list[Signed]) -> dict[str, Any]:
    await _seed(url, actors)
    server = await Server.start(tmp / f"{name}.log", "amity", url, str(tmp / "media"), module="bench.inbox")
    try:
        _progress(f"{name}: {len(timed)} requests")
        result = await _measure(server, warmup, timed)
    finally:
        await server.stop()
    items, jobs = await _committed(url)
    accepted = result["accepted"] + result["warmup"]["accepted"]
    result["committed"] = {"inbox_items": items, "jobs": jobs, "accepted_incl_warmup": accepted,
                           "inbox_items_match_202s": items == accepted}
    if items != accepted:
        _progress(f"{name}: {items} inbox_items rows for {accepted} 202s")
    return result


async def _amity_postgresql(admin_url: str, tmp: Path, actors: list[RemoteActor], warmup: list[Signed],
                            timed: list[Signed]) -> dict[str, Any]:
    name = f"amity_bench_inbox_{secrets.token_hex(4)}"
    await pg_admin(admin_url, f"CREATE DATABASE {name}")
    url = asyncpg_dsn(admin_url).rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        return await _amity("amity_postgresql", f"{url}/{name}", tmp, actors, warmup, timed)
    finally:
        await pg_admin(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _median_round(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median throughput, with every round's throughput beside it."""
    ordered = sorted(runs, key=lambda r: float(r["accepted_per_s"]))
    return {**ordered[len(ordered) // 2], "accepted_per_s_rounds": [r["accepted_per_s"] for r in runs]}


def _ratio(a: dict[str, Any], b: dict[str, Any]) -> float | None:
    return round(a["accepted_per_s"] / b["accepted_per_s"], 3) if b["accepted_per_s"] else None


async def _run(requests: int, rounds_count: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "requests": requests, "concurrency": CONCURRENCY, "warmup_requests": WARMUP,
        "remote_actors": DOMAINS * ACTORS_PER_DOMAIN, "remote_domains": DOMAINS, "rsa_key_pairs": KEY_PAIRS,
    }
    _progress(f"{KEY_PAIRS} RSA key pairs, {DOMAINS * ACTORS_PER_DOMAIN} actors, "
              f"signing {WARMUP + requests} requests")
    started = time.perf_counter()
    actors = _remote_actors()
    signed = _presign(actors, WARMUP + requests)
    warmup, timed = signed[:WARMUP], signed[WARMUP:]
    out["presign_s"] = round(time.perf_counter() - started, 2)
    out["body_bytes_mean"] = round(sum(len(s.body) for s in timed) / len(timed))
    admin_url = os.environ.get(PG_ENV)
    rounds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="amity-bench-inbox-") as tmp_dir:
        tmp = Path(tmp_dir)
        for n in range(rounds_count):  # alternating, so a noisy spell hits every server alike
            _progress(f"round {n + 1} of {rounds_count}")
            this: dict[str, Any] = {CEILING: await _ceiling(tmp, actors, warmup, timed)}
            sqlite_url = f"sqlite+aiosqlite:///{tmp / f'amity-{n}.db'}"
            this["amity_sqlite"] = await _amity("amity_sqlite", sqlite_url, tmp, actors, warmup, timed)
            if admin_url:
                this["amity_postgresql"] = await _amity_postgresql(admin_url, tmp, actors, warmup, timed)
            rounds.append(this)
    out["rounds"] = rounds_count
    out["ratios"] = {}
    for name in rounds[0]:
        out[name] = _median_round([r[name] for r in rounds])
        if name != CEILING:
            paired = [_ratio(r[name], r[CEILING]) for r in rounds]
            out["ratios"][f"{name} / {CEILING}"] = statistics.median(p for p in paired if p is not None)
            out["ratios"][f"{name} / {CEILING} per round"] = paired
    if not admin_url:
        out["amity_postgresql"] = f"skipped: set {PG_ENV} (or run `make bench`)"
    out["ratios"]["target"] = f">= {TARGET_RATIO} (reported, not enforced)"
    out["notes"] = [
        "acceptance only: the node runs create_app(config, run_workers=False), so each 202 means the "
        "inbox_items row and its inbox.process job are committed; the jobs are not processed",
        f"each server runs in its own process, the load generator in this one (one aiohttp "
        f"ClientSession, {CONCURRENCY} connections, {CONCURRENCY} requests in flight); cpu_count is in "
        "the machine block",
        "server_cpu_s is the server process alone: the PostgreSQL server's own CPU is not in it",
        f"all requests are signed before the clock starts (Host: {NODE_DOMAIN}, Date at signing, "
        "accepted for 65 minutes); the same requests go to every server, each Amity run on a fresh "
        "database",
        f"{DOMAINS * ACTORS_PER_DOMAIN} remote actors share {KEY_PAIRS} RSA-2048 key pairs, each with its "
        "own keyId; all are in the database before the run, so no key is fetched",
        "the node logs at warning (its per-request info lines are off); p50/p99 are over the 202s",
        f"the first {WARMUP} requests of each run are a warm-up, not timed",
        "full runs measure every server ROUNDS times, alternating; each server's block is its median "
        "round (accepted_per_s_rounds lists all), each ratio the median of the per-round ratios",
    ]
    return out


def run(quick: bool) -> dict[str, Any]:
    return asyncio.run(_run(QUICK_REQUESTS, 1) if quick else _run(REQUESTS, ROUNDS))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inbox", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_REQUESTS} requests")
    parser.add_argument("--serve", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        kind, *rest = args.serve
        app = _ceiling_app(Path(rest[0])) if kind == "ceiling" else _amity_app(rest[0], rest[1])
        profile_to = os.environ.get("AMITY_BENCH_PROFILE")  # a path: cProfile the server there
        if profile_to and kind != "ceiling":
            import cProfile

            cProfile.runctx("asyncio.run(serve(app))", globals(), {"app": app, "serve": serve},
                            filename=profile_to)
        else:
            asyncio.run(serve(app))
        return 0
    print_json(run(args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
