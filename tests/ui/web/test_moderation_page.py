"""/about/moderation: partner, limited and suspended servers with public reasons (obfuscated
where asked, not listed when hidden), monthly counts rounded to "<5", the same data as JSON and
in NodeInfo."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from actors.moderation.domains import obfuscated
from actors.moderation.transparency import months_back, rounded
from storage.models import AuditLogEntry, DomainRule, Report, utcnow
from tests.ui.client_api import Api

JSON = {"Accept": "application/json"}
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


async def rules(api: Api) -> None:
    async with api.services.sessions() as session, session.begin():
        session.add_all([
            DomainRule(domain="friend.example", policy="allow"),
            DomainRule(domain="loud.example", policy="silence", public_comment="Spam waves"),
            DomainRule(domain="hatefulplace.example", policy="suspend", obfuscate=True,
                       public_comment=HOSTILE),
            DomainRule(domain="quiet.example", policy="noop", reject_media=True)])


async def moderation_json(api: Api) -> dict[str, Any]:
    response = await api.client.get("/about/moderation", headers=JSON)
    assert response.status == 200 and response.content_type == "application/json"
    body: dict[str, Any] = await response.json()
    return body


async def html(api: Api) -> str:
    response = await api.client.get("/about/moderation")
    assert response.status == 200 and response.content_type == "text/html"
    text = await response.text()
    assert "<script" not in text.lower()
    return text


def test_small_counts_are_rounded() -> None:
    assert [rounded(n) for n in (0, 1, 4, 5, 17)] == ["<5", "<5", "<5", 5, 17]


async def test_domains_with_reasons_obfuscated_and_escaped(any_api: Api) -> None:
    api = any_api
    await rules(api)
    body = await moderation_json(api)
    assert body["partners"] == ["friend.example"]
    assert [(e["domain"], e["comment"]) for e in body["limited"]] == [("loud.example", "Spam waves")]
    hidden = obfuscated("hatefulplace.example")
    assert hidden != "hatefulplace.example"
    assert [e["domain"] for e in body["suspended"]] == [hidden]
    assert body["suspended"][0]["since"] == utcnow().date().isoformat()
    text = await html(api)
    assert "loud.example" in text and "Spam waves" in text and hidden in text
    assert "hatefulplace.example" not in text and "quiet.example" not in text
    assert "<img" not in text and "&lt;img src=x onerror=alert(2)&gt;" in text
    assert '<th scope="col">Server</th>' in text and "<caption>" in text


async def test_hidden_and_members_visibility_do_not_list_blocks(api: Api) -> None:
    await rules(api)
    notes = (("hidden", "does not publish this list"), ("members", "members of this server only"))
    for visibility, note in notes:
        await api.setting("domain_blocks_visibility", visibility)
        body = await moderation_json(api)
        assert body["limited"] == [] and body["suspended"] == [] and body["partners"] == ["friend.example"]
        text = await html(api)
        assert note in text and "loud.example" not in text and "Spam waves" not in text


async def test_monthly_counts_of_reports_and_actions(any_api: Api) -> None:
    api = any_api
    reporter, target = await api.member("ana"), await api.member("bob")
    now = utcnow()
    async with api.services.sessions() as session, session.begin():
        session.add_all([Report(reporter_id=reporter.id, target_id=target.id, created_at=now,
                                resolved_at=now if i < 2 else None) for i in range(6)])
        session.add_all([AuditLogEntry(actor_label="cli:root", action="account.suspend",
                                       target_type="account", target=f"@x{i}", created_at=now)
                         for i in range(5)])
        session.add(AuditLogEntry(actor_label="cli:root", action="setting.update", target_type="setting",
                                  target="title", created_at=now))
        session.add(Report(reporter_id=reporter.id, target_id=target.id,
                           created_at=now - timedelta(days=800)))
        last_month = now.replace(day=1, hour=0, minute=0) - timedelta(hours=1)  # its last hour
        session.add_all([Report(reporter_id=reporter.id, target_id=target.id, created_at=last_month)
                         for _ in range(5)])
    body = await moderation_json(api)
    months = [row["month"] for row in body["monthly"]]
    assert months == months_back(now) and len(months) == 12
    this_month = body["monthly"][0]
    assert this_month == {"month": months[0], "reports_received": 6, "reports_resolved": "<5",
                          "actions": 5}  # the setting change is not counted
    assert body["monthly"][1]["reports_received"] == 5
    assert all(row["reports_received"] == "<5" for row in body["monthly"][2:])
    text = await html(api)
    assert f'<th scope="row">{months[0]}</th><td>6</td><td>&lt;5</td><td>5</td>' in text


async def test_nodeinfo_carries_the_summary(api: Api) -> None:
    await rules(api)
    response = await api.client.get("/nodeinfo/2.0")
    assert response.status == 200
    moderation = (await response.json(content_type=None))["metadata"]["moderation"]
    assert moderation == await moderation_json(api)
    assert moderation["limited"][0]["domain"] == "loud.example"
    await api.setting("domain_blocks_visibility", "hidden")
    response = await api.client.get("/nodeinfo/2.1")
    assert (await response.json(content_type=None))["metadata"]["moderation"]["suspended"] == []
