"""Fan-out: one post to 10,000 followers on 500 loopback hosts, 25 of which never answer.

The hosts are aiohttp servers on 127.0.0.1 (one port each, one shared inbox each) in a
separate process (`python -m bench.fanout --sink ...`), which records when each POST
arrives. The node side runs in this process on SQLite with the node's defaults: the API
call (`posting.create_status`), then `amity serve`'s in-process worker running the fan-out
job and the deliveries, until every job has either finished or been rescheduled (the
hanging hosts time out after the delivery timeout and are paused).

Reported: the request's cost (CPU, rows written), POSTs per live host (exactly one is
right), process CPU time for the whole fan-out beside the CPU time of the same number of
signed POSTs from a bare aiohttp client measured in the same run (the ratio; the target is
at most 2x), and the live hosts' arrival times after the post (p50, p99), which should not
wait for the hanging hosts' timeouts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import signal
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import case, func, insert, or_, select

from actors.posts import posting
from federation.delivery.job import DeliverySettings
from federation.httpsig.keys import generate_rsa_keypair
from federation.httpsig.signatures import sign_request
from storage import migrate
from storage.config import build_config
from storage.db import create_engine, session_maker
from storage.models import ACCEPTED, Actor, Follow, Job
from storage.models.base import new_id
from storage.queue import now_ms
from storage.worker import Worker
from ui.jobs import QUEUES, build_registry
from ui.services import open_services

HOSTS, FOLLOWERS, HANGING = 500, 10_000, 25
QUICK = (100, 2_000, 5)
BARE_CONCURRENCY = 100
POLL_S = 0.25


def _progress(message: str) -> None:
    print(f"bench.fanout: {message}", file=sys.stderr, flush=True)


# -- the other servers (a separate process) --------------------------------------------

async def _sink(hosts: int, hanging: int) -> None:
    """Serve `hosts` ports; every (hosts // hanging)-th never answers. Prints the ports as one
    JSON line, serves GET /stats on a control port, and runs until stdin closes."""
    arrivals: dict[int, list[float]] = defaultdict(list)
    bare = [0]
    never = asyncio.Event()
    hang_ports: set[int] = set()

    async def inbox(request: web.Request) -> web.Response:
        port = request.transport.get_extra_info("sockname")[1] if request.transport else 0
        await request.read()
        if request.path == "/bare":
            bare[0] += 1
            return web.Response(status=202)
        arrivals[port].append(time.time())
        if port in hang_ports:
            await never.wait()
        return web.Response(status=202)

    async def stats(request: web.Request) -> web.Response:
        return web.json_response({"arrivals": arrivals, "bare": bare[0], "hanging": sorted(hang_ports)})

    app = web.Application()
    app.router.add_post("/{tail:.*}", inbox)
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
    await runner.setup()
    ports = []
    for _ in range(hosts):
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=128)
        await site.start()
        ports.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    if hanging:
        hang_ports.update(ports[i] for i in range(0, hosts, hosts // hanging))
    control = web.Application()
    control.router.add_get("/stats", stats)
    control_runner = web.AppRunner(control, access_log=None)
    await control_runner.setup()
    control_site = web.TCPSite(control_runner, "127.0.0.1", 0)
    await control_site.start()
    control_port = control_site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(json.dumps({"ports": ports, "control": control_port}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes it
    never.set()
    await control_runner.cleanup()
    await runner.cleanup()


async def _start_sink(hosts: int, hanging: int) -> tuple[asyncio.subprocess.Process, list[int], int]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.fanout", "--sink", str(hosts), str(hanging),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 120)
    info = json.loads(line)
    return proc, list(info["ports"]), int(info["control"])


async def _stop_sink(proc: asyncio.subprocess.Process) -> None:
    if proc.stdin is not None:
        proc.stdin.close()
    try:
        await asyncio.wait_for(proc.wait(), 30)
    except TimeoutError:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()


# -- the node ----------------------------------------------------------------------------

async def _seed(url: str, ports: list[int], followers: int) -> Actor:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        private_pem, public_pem = generate_rsa_keypair()
        author_uri = "http://amity.test/users/ana"
        author = Actor(username="ana", domain=None, uri=author_uri, url="http://amity.test/@ana",
                       inbox_url=f"{author_uri}/inbox", shared_inbox_url="http://amity.test/inbox",
                       followers_url=f"{author_uri}/followers", key_id=f"{author_uri}#main-key",
                       public_key_pem=public_pem, private_key_pem=private_pem)
        actors, follows = [], []
        for i in range(followers):
            host = f"127.0.0.1:{ports[i % len(ports)]}"
            actor_id = new_id()
            actors.append({"id": actor_id, "username": f"f{i}", "domain": host,
                           "uri": f"http://{host}/users/f{i}", "inbox_url": f"http://{host}/users/f{i}/inbox",
                           "shared_inbox_url": f"http://{host}/inbox", "actor_type": "Person",
                           "display_name": "", "note": "", "fields": [], "also_known_as": []})
            follows.append({"id": new_id(), "follower_id": actor_id, "uri": f"http://{host}/follows/{i}",
                            "state": ACCEPTED})
        async with session_maker(engine)() as session, session.begin():
            session.add(author)
            await session.flush()
            for start in range(0, followers, 2000):
                await session.execute(insert(Actor), actors[start:start + 2000])
                await session.execute(insert(Follow), [dict(f, followee_id=author.id)
                                                       for f in follows[start:start + 2000]])
        return author
    finally:
        await engine.dispose()


async def _busy(worker: Worker) -> tuple[int, int]:
    """(jobs claimed or ready, deliveries queued at all): the first is 0 once each delivery
    finished or was put off."""
    now = now_ms()
    busy = func.sum(case((or_(Job.run_after <= now, Job.locked_until > now), 1), else_=0))
    deliveries = func.sum(case((Job.kind == "federation.deliver", 1), else_=0))
    async with worker.engine.connect() as conn:
        row = (await conn.execute(select(busy, deliveries).where(Job.state == "queued"))).one()
    return int(row[0] or 0), int(row[1] or 0)


async def _fan_out(url: str, author: Actor, hanging: int) -> dict[str, Any]:
    config = build_config({"domain": "amity.test", "scheme": "http", "database_url": url,
                           "secret_key": secrets.token_urlsafe(40), "allowed_private_hosts": ["127.0.0.1"],
                           "log_format": "text", "log_level": "error"})
    async with open_services(config) as services:
        limits = config.limits
        worker = Worker(services.engine, build_registry(), deps=services, queues=QUEUES,
                        concurrency=limits.worker_concurrency, batch_size=limits.job_batch_size,
                        lease_seconds=limits.job_lease_seconds)
        services.wake_workers = worker.wake  # as `amity serve` does
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run_forever(stop))
        await asyncio.sleep(0.2)
        posted_at, cpu_start, wall_start = time.time(), time.process_time(), time.perf_counter()
        async with services.sessions() as session, session.begin():
            await posting.create_status(session, services, author,
                    posting.NewStatus(text="Hello, 10,000 followers!"))
            jobs_written = await session.scalar(select(func.count()).select_from(Job))
        request_cpu, request_wall = time.process_time() - cpu_start, time.perf_counter() - wall_start
        worker.wake()
        live_cpu = None
        while (counts := await _busy(worker))[0]:
            busy, deliveries = counts
            if live_cpu is None and deliveries > 0 and busy <= hanging:  # the rest waits on hanging hosts
                live_cpu = time.process_time() - cpu_start
            await asyncio.sleep(POLL_S if live_cpu is None else 1.0)
        cpu = time.process_time() - cpu_start
        wall = time.perf_counter() - wall_start
        async with services.sessions() as session:
            left = await session.scalar(select(func.count()).select_from(Job).where(
                Job.kind == "federation.deliver"))
        stop.set()
        await task
    return {"posted_at": posted_at, "request_cpu_ms": round(request_cpu * 1000, 1),
            "request_wall_ms": round(request_wall * 1000, 1), "jobs_written_by_request": jobs_written,
            "cpu_s": round(cpu, 3), "live_cpu_s": round(live_cpu or cpu, 3), "wall_s": round(wall, 2),
            "deliveries_still_queued": left,
            "worker_concurrency": limits.worker_concurrency}


async def _bare_client(author: Actor, ports: list[int], posts: int) -> dict[str, Any]:
    """`posts` signed POSTs with a plain aiohttp client: the floor for what a fan-out costs."""
    body = json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
                       "id": "http://amity.test/bare", "actor": author.uri}).encode()
    key_id, pem = author.key_id or "", author.private_key_pem or ""
    limit = asyncio.Semaphore(BARE_CONCURRENCY)

    async def one(session: aiohttp.ClientSession, port: int) -> None:
        url = f"http://127.0.0.1:{port}/bare"
        async with limit:
            headers = sign_request("POST", url, key_id=key_id, private_key_pem=pem, body=body,
                                   content_type="application/activity+json")
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()

    cpu_start, wall_start = time.process_time(), time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=BARE_CONCURRENCY)) as session:
        await asyncio.gather(*(one(session, ports[i % len(ports)]) for i in range(posts)))
    return {"posts": posts, "cpu_s": round(time.process_time() - cpu_start, 3),
            "wall_s": round(time.perf_counter() - wall_start, 3)}


async def _stats(control: int) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{control}/stats") as r:
        return dict(await r.json())


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def _scenario(hosts: int, followers: int, hanging: int, *, bare_posts: int = 0) -> dict[str, Any]:
    """One post fanned out to `followers` on `hosts` sink hosts, `hanging` of which never answer."""
    sink, ports, control = await _start_sink(hosts, hanging)
    try:
        with tempfile.TemporaryDirectory(prefix="amity-bench-fanout-") as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'amity.db'}"
            author = await _seed(url, ports, followers)
            _progress(f"{hosts} hosts ({hanging} hanging), {followers} followers: seeded; posting")
            node = await _fan_out(url, author, hanging)
            _progress(f"fan-out settled in {node['wall_s']}s")
            bare = await _bare_client(author, ports, bare_posts) if bare_posts else None
        stats = await _stats(control)
    finally:
        await _stop_sink(sink)
    hanging_ports = set(stats["hanging"])
    arrivals = {int(port): times for port, times in stats["arrivals"].items()}
    live = [p for p in ports if p not in hanging_ports]
    posts = [len(arrivals.get(p, [])) for p in live]
    first = [min(arrivals[p]) - node["posted_at"] for p in live if arrivals.get(p)]
    return {"node": node, "bare": bare, "result": {
        "posts_per_live_host": {"exactly_one": posts.count(1), "none": posts.count(0),
                                "more_than_one": sum(1 for n in posts if n > 1)},
        "posts_to_hanging_hosts": sum(len(arrivals.get(p, [])) for p in hanging_ports),
        "live_arrival_s": {"p50": round(_percentile(first, 0.5), 3),
                           "p99": round(_percentile(first, 0.99), 3),
                           "max": round(max(first), 3) if first else None,
                           "mean": round(statistics.fmean(first), 3) if first else None},
    }}


async def _run(quick: bool) -> dict[str, Any]:
    hosts, followers, hanging = QUICK if quick else (HOSTS, FOLLOWERS, HANGING)
    main = await _scenario(hosts, followers, hanging, bare_posts=hosts)
    control = await _scenario(hosts, followers, 0)  # the same without hanging hosts, to compare
    node, bare = main["node"], main["bare"]
    assert bare is not None
    return {
        "hosts": hosts, "followers": followers, "hanging_hosts": hanging,
        "database": "sqlite", "delivery_timeout_s": DeliverySettings().timeout,
        "worker_concurrency": node["worker_concurrency"],
        "request": {"cpu_ms": node["request_cpu_ms"], "wall_ms": node["request_wall_ms"],
                    "jobs_written": node["jobs_written_by_request"]},
        **main["result"],
        "live_arrival_s_without_hanging_hosts": control["result"]["live_arrival_s"],
        "fanout": {"cpu_s_until_live_hosts_served": node["live_cpu_s"],
                   "cpu_s_until_settled": node["cpu_s"], "wall_s_until_settled": node["wall_s"],
                   "deliveries_left_queued": node["deliveries_still_queued"],
                   "cpu_s_without_hanging_hosts": control["node"]["cpu_s"]},
        "bare_client": bare,
        "cpu_ratio": {"live_hosts_served": _ratio(node["live_cpu_s"], bare["cpu_s"]),
                      "settled": _ratio(node["cpu_s"], bare["cpu_s"]),
                      "without_hanging_hosts": _ratio(control["node"]["cpu_s"], bare["cpu_s"])},
        "cpu_ratio_target": 2.0,
        "notes": ["settled includes ~delivery_timeout_s of waiting for the hanging hosts, during which "
                  "the worker's idle polling and outcome flushing cost CPU",
                  "one process, one SQLite database, the node's default limits"],
    }


def run(quick: bool) -> dict[str, Any]:
    return asyncio.run(_run(quick))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK[0]} hosts, {QUICK[1]} followers")
    parser.add_argument("--sink", nargs=2, type=int, metavar=("HOSTS", "HANGING"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        asyncio.run(_sink(*args.sink))
        return 0
    json.dump(run(args.quick), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
