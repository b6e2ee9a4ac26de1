"""The home timeline benchmark's load generator (`bench.timeline`, `bench.timeline_posting`):
the requests, the node's configuration, and sending them with a fixed number in flight."""

from __future__ import annotations

import asyncio
import secrets
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.servers import Server, percentile
from bench.timeline_seed import NODE_DOMAIN
from storage.config import build_config

CONCURRENCY = 16
POST_CONCURRENCY = 4
PAGE = 40
HOME = "/api/v1/timelines/home"
REQUEST_TIMEOUT_S = 120.0
ERROR_SAMPLES = 5


@dataclass(frozen=True)
class Get:
    path: str
    token: str


@dataclass(frozen=True)
class Post:
    form: dict[str, str]
    token: str


def node_config(database_url: str, media_dir: str) -> Any:
    return build_config({"domain": NODE_DOMAIN, "scheme": "https", "database_url": database_url,
                         "secret_key": secrets.token_urlsafe(40), "media_dir": media_dir,
                         "log_level": "warning", "log_format": "json"})


async def send(port: int, requests: list[Any], *, ok: int, sample_to: Path | None = None) -> dict[str, Any]:
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


async def measure(server: Server, warmup: list[Any], timed: list[Any], *, ok: int,
                   sample_to: Path | None = None) -> dict[str, Any]:
    warm = await send(server.port, warmup, ok=ok, sample_to=sample_to) if warmup else None
    cpu_before = server.cpu_s()
    result = await send(server.port, timed, ok=ok)
    cpu_after = server.cpu_s()
    if cpu_before is not None and cpu_after is not None:
        result["server_cpu_s"] = round(cpu_after - cpu_before, 3)
        result["server_cpu_ms_per_request"] = round((cpu_after - cpu_before) * 1000 / len(timed), 3)
    if warm is not None:
        result["first_pass"] = {k: warm[k] for k in ("ok", "seconds", "per_s", "p50_ms", "p99_ms", "errors",
                                                      "error_samples")}
    return result


# -- the databases -----------------------------------------------------------------------------
