"""Delivery health per remote server (`actors.moderation.hosts`): the admin API and the CLI show
failing servers first with why and how much waits, and a retry lets their deliveries run now."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage import queue
from storage.models import AuditLogEntry, Host, Job, utcnow
from tests.ui.client_api import Api

ADMIN = "read write follow admin:read admin:write"


async def _failing_host(api: Api) -> None:
    now = utcnow()
    async with api.services.sessions() as session, session.begin():
        session.add_all([Host(domain="down.example", failing_since=now - timedelta(hours=2),
                              consecutive_failures=4, next_probe_at=now + timedelta(hours=1),
                              last_error="503 Service Unavailable", last_error_at=now),
                         Host(domain="fine.example", last_success_at=now)])
        await queue.enqueue(session, "federation.deliver",
                            {"activity_id": 1, "inbox": "https://down.example/inbox"},
                            queue="deliveries", delay_seconds=3600)


async def test_failing_hosts_come_first_with_why_and_what_waits_and_a_retry_runs_them_now(
        api: Api) -> None:
    await api.member("ada", role="admin")
    token = await api.token_for("ada", ADMIN)
    await _failing_host(api)
    listed = await api.json("GET", "/api/v1/admin/hosts", token)
    assert [(h["domain"], h["state"], h["queued_deliveries"]) for h in listed] == [
        ("down.example", "failing", 1), ("fine.example", "ok", 0)]
    assert listed[0]["last_error"] == "503 Service Unavailable"
    assert [h["domain"] for h in await api.json("GET", "/api/v1/admin/hosts?failing=true", token)] == [
        "down.example"]
    retried = await api.json("POST", "/api/v1/admin/hosts/down.example/retry", token)
    assert (retried["state"], retried["consecutive_failures"]) == ("ok", 0)
    async with api.services.sessions() as session:
        [job] = (await session.scalars(select(Job).where(Job.kind == "federation.deliver"))).all()
        assert job.run_after <= queue.now_ms()
        [entry] = (await session.scalars(
            select(AuditLogEntry).where(AuditLogEntry.action == "host.retry"))).all()
    assert (entry.actor_label, entry.target) == ("@ada", "down.example")
    await api.json("GET", "/api/v1/admin/hosts/nowhere.example", token, status=404)
    await api.json("POST", "/api/v1/admin/hosts/nowhere.example/retry", token, status=422)
