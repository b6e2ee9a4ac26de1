"""Domain rules at delivery, whatever the spelling of the rule or of the inbox URL: a rule
written `EVIL.test.`, in full-width letters or with the default port blocks every delivery to
`evil.test`, however the inbox's host is written."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.services import Services
from storage.models import DEAD, Actor, DomainRule
from storage.worker import drain
from tests.actors.factories import Clock, add
from tests.federation.delivery.delivery_inboxes import (
    author,
    clock,
    engine,
    job_rows,
    module_db,
    send,
    services,
    worker,
)
from tests.federation.test_domains import full_width
from tests.network_fakes import FakeResolver

__all__ = ["author", "clock", "engine", "module_db", "services"]  # fixtures from delivery_inboxes


@pytest.mark.parametrize("rule", ["EVIL.test.", full_width("evil.test"), "evil.test:443", "Evil.Test"])
async def test_a_rule_in_any_spelling_stops_deliveries_to_every_spelling(
        services: Services, engine: AsyncEngine, author: Actor, clock: Clock, rule: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    resolver = FakeResolver()  # a name lookup would mean the delivery was attempted
    monkeypatch.setattr(services.client, "_resolver", resolver)
    await add(engine, DomainRule(domain=rule, policy="suspend"))
    inboxes = ["https://evil.test/inbox", "https://Evil.Test.:443/inbox", "https://EVIL.test/users/a/inbox",
               "https://a.evil.test/inbox"]
    await send(engine, author, inboxes)
    await drain(worker(services, clock))
    jobs = await job_rows(engine)
    assert len(jobs) == len(inboxes)
    assert all(job.state == DEAD and "suspended" in (job.last_error or "") for job in jobs)
    assert resolver.lookups == []
