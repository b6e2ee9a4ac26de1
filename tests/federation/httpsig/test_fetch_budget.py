"""Deadlines, lanes and the budget of verification fetches: a request that never finishes fails
at its deadline; the VERIFY lane has its own connections; the fetch gate remembers failures,
shares concurrent fetches and refuses a host over its budget without fetching."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer

from federation.client import AS2, VERIFY, DeadlineExceeded, OutboundClient, Timeouts
from federation.httpsig.fetch_gate import Budget, FetchGate, OverBudget, RecentlyFailed
from storage.errors import Invalid
from tests.conftest import make_config
from tests.federation.client_fakes import (
    AS2_TYPE,
    Handler,
    MakeClient,
    json_handler,
    make_client,
    recorder,
    resolver,
    serve,
)

__all__ = ["make_client", "recorder", "resolver"]  # fixtures from client_fakes
LOOPBACK = ("127.0.0.1",)


def never_finishing(release: asyncio.Event) -> Handler:
    """Answers 200 and a first chunk, then holds the body open until `release` is set."""
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": AS2_TYPE})
        await response.prepare(request)
        await response.write(b'{"id": ')
        await release.wait()
        return response
    return handler


@pytest.mark.parametrize("lane", ["default", VERIFY])
async def test_a_body_that_never_ends_fails_at_the_deadline(aiohttp_server: AiohttpServer,
                                                            make_client: MakeClient, lane: str) -> None:
    release = asyncio.Event()
    server = await serve(aiohttp_server, {"/slow": never_finishing(release)})
    timeouts = Timeouts(read=60.0, deadline=0.2)
    if lane == VERIFY:
        timeouts = Timeouts(read=60.0, verify_deadline=0.2)
    client = make_client(allowed_private_hosts=LOOPBACK, timeouts=timeouts)
    try:
        with pytest.raises(DeadlineExceeded, match=r"within the deadline of 0\.2 s"):
            await client.fetch_object(str(server.make_url("/slow")), lane=lane)  # type: ignore[arg-type]
    finally:
        release.set()


async def test_a_stalled_verification_fetch_holds_no_connection_of_the_default_lane(
        aiohttp_server: AiohttpServer, make_client: MakeClient) -> None:
    release = asyncio.Event()
    server = await serve(aiohttp_server, {"/slow": never_finishing(release),
                                          "/fast": json_handler({"ok": True})})
    client = make_client(allowed_private_hosts=LOOPBACK, timeouts=Timeouts(verify_connections=1))
    stalled = asyncio.ensure_future(client.get_json(str(server.make_url("/slow")), accept=AS2, lane=VERIFY))
    queued = asyncio.ensure_future(client.get_json(str(server.make_url("/fast")), accept=AS2, lane=VERIFY))
    try:
        other = await client.get_json(str(server.make_url("/fast")), accept=AS2)  # the default lane
        assert other.data == {"ok": True}
        assert not queued.done()  # the VERIFY lane's one connection is still held by the slow server
    finally:
        release.set()
        for task in (stalled, queued):
            task.cancel()
        await asyncio.gather(stalled, queued, return_exceptions=True)


def test_deadlines_and_lane_connections_come_from_the_node_config(tmp_path: Path) -> None:
    config = make_config("sqlite+aiosqlite:///:memory:", tmp_path, limits={
        "fetch_deadline_seconds": 7, "key_fetch_deadline_seconds": 2, "verify_fetch_connections": 3})
    timeouts = OutboundClient.from_config(config).timeouts
    assert (timeouts.deadline, timeouts.verify_deadline, timeouts.verify_connections) == (7, 2, 3)
    assert Budget.from_limits(config.limits) == Budget(per_origin=4, per_minute=60, failure_ttl=60.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_failed_fetch_is_remembered_for_its_ttl_only() -> None:
    clock, calls = Clock(), []
    gate: FetchGate[str] = FetchGate(Budget(failure_ttl=60.0), clock)

    async def failing() -> str:
        calls.append(1)
        raise Invalid("the key document answered 404")

    for _ in range(2):
        with pytest.raises(Invalid):
            await gate.fetch("https://a.example/k", failing)
    assert len(calls) == 1
    with pytest.raises(RecentlyFailed, match=r"answered 404.*not fetched again for 60 s"):
        await gate.fetch("https://a.example/k", failing)
    clock.now += 61
    with pytest.raises(Invalid):
        await gate.fetch("https://a.example/k", failing)
    assert len(calls) == 2


async def test_concurrent_fetches_of_one_key_share_one_fetch() -> None:
    release, calls = asyncio.Event(), []
    gate: FetchGate[str] = FetchGate(Budget(per_origin=1))

    async def slow() -> str:
        calls.append(1)
        await release.wait()
        return "key"

    waiting = [asyncio.ensure_future(gate.fetch("https://a.example/k", slow)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == ["key"] * 3
    assert calls == [1]


async def test_a_host_over_its_budget_is_refused_without_fetching() -> None:
    release, calls = asyncio.Event(), []
    gate: FetchGate[str] = FetchGate(Budget(per_origin=1, per_minute=2), Clock())

    async def slow() -> str:
        calls.append(1)
        await release.wait()
        return "key"

    first = asyncio.ensure_future(gate.fetch("https://a.example/k1", slow))
    await asyncio.sleep(0)  # admitted: one fetch from a.example under way
    with pytest.raises(OverBudget, match=r"1 key fetches from a\.example are under way"):
        await gate.fetch("https://a.example/k2", slow)
    release.set()
    assert await gate.fetch("https://b.example/k", slow) == "key"  # another host has its own budget
    await first
    await gate.fetch("https://a.example/k3", slow)
    with pytest.raises(OverBudget, match="used its 2 key fetches of this minute"):
        await gate.fetch("https://a.example/k4", slow)
    assert len(calls) == 3  # k1, b.example, k3
