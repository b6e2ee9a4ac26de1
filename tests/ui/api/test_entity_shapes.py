"""Every GET endpoint that docs/client-api.md marks done or partial answers with Mastodon's documented
entity: one node seeded with a bit of everything, each endpoint called and its answer checked against
`schemas.py`. Lists must not be empty, so every item schema is really exercised. A GET row added to
the table without an entry in SHAPES fails `test_every_documented_get_endpoint_is_checked`."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from PIL import Image
from pytest_aiohttp import AiohttpClient

from storage.models import CustomEmoji, Host, PolicyRule, utcnow
from tests.actors.posts.poll_helpers import run_jobs
from tests.ui.api import schemas as s
from tests.ui.api.discovery_seed import DISCOVERY_SHAPES, seed_discovery
from tests.ui.api.test_coverage import _rows
from tests.ui.api.timeline_helpers import add, follow, remote
from tests.ui.client_api import Api, start_api

# (path with {placeholders} filled from the seeded ids, schema, token: "ana", "app" or None)
SHAPES: dict[str, tuple[str, Any, str | None]] = {
    "/api/v1/apps/verify_credentials": ("/api/v1/apps/verify_credentials", s.APPLICATION, "app"),
    "/api/v1/instance": ("/api/v1/instance", s.INSTANCE_V1, None),
    "/api/v2/instance": ("/api/v2/instance", s.INSTANCE_V2, None),
    "/api/v1/instance/peers": ("/api/v1/instance/peers", s.ListOf(s.DOMAIN), None),
    "/api/v1/instance/activity": ("/api/v1/instance/activity", s.ListOf(s.ACTIVITY_WEEK), None),
    "/api/v1/instance/rules": ("/api/v1/instance/rules", s.ListOf(s.RULE), None),
    "/api/v1/custom_emojis": ("/api/v1/custom_emojis", s.ListOf(s.EMOJI), None),
    "/api/v1/accounts/verify_credentials": ("/api/v1/accounts/verify_credentials", s.CREDENTIAL_ACCOUNT,
                                            "ana"),
    "/api/v1/accounts/:id": ("/api/v1/accounts/{bob}", s.ACCOUNT, None),
    "/api/v1/accounts/lookup": ("/api/v1/accounts/lookup?acct=bob", s.ACCOUNT, None),
    "/api/v1/accounts/relationships": ("/api/v1/accounts/relationships?id[]={bob}&id[]={dan}",
                                       s.ListOf(s.RELATIONSHIP), "ana"),
    "/api/v1/accounts/:id/statuses": ("/api/v1/accounts/{ana}/statuses", s.ListOf(s.VIEWER_STATUS), "ana"),
    "/api/v1/accounts/:id/followers": ("/api/v1/accounts/{ana}/followers", s.ListOf(s.ACCOUNT), None),
    "/api/v1/accounts/:id/following": ("/api/v1/accounts/{ana}/following", s.ListOf(s.ACCOUNT), None),
    "/api/v1/accounts/familiar_followers": ("/api/v1/accounts/familiar_followers?id[]={fay}",
                                            s.ListOf(s.FAMILIAR_FOLLOWERS), "ana"),
    "/api/v1/accounts/search": ("/api/v1/accounts/search?q=b", s.ListOf(s.ACCOUNT), "ana"),
    "/api/v1/follow_requests": ("/api/v1/follow_requests", s.ListOf(s.ACCOUNT), "ana"),
    "/api/v1/blocks": ("/api/v1/blocks", s.ListOf(s.ACCOUNT), "ana"),
    "/api/v1/mutes": ("/api/v1/mutes", s.ListOf(s.MUTED_ACCOUNT), "ana"),
    "/api/v1/domain_blocks": ("/api/v1/domain_blocks", s.ListOf(s.DOMAIN), "ana"),
    "/api/v1/statuses/:id": ("/api/v1/statuses/{post}", s.VIEWER_STATUS, "ana"),
    "/api/v1/statuses": ("/api/v1/statuses?id[]={post}&id[]={reply}", s.ListOf(s.VIEWER_STATUS), "ana"),
    "/api/v1/statuses/:id/history": ("/api/v1/statuses/{post}/history", s.ListOf(s.STATUS_EDIT), "ana"),
    "/api/v1/statuses/:id/source": ("/api/v1/statuses/{post}/source", s.STATUS_SOURCE, "ana"),
    "/api/v1/statuses/:id/context": ("/api/v1/statuses/{post}/context", s.CONTEXT, "ana"),
    "/api/v1/statuses/:id/reblogged_by": ("/api/v1/statuses/{post}/reblogged_by", s.ListOf(s.ACCOUNT), None),
    "/api/v1/statuses/:id/favourited_by": ("/api/v1/statuses/{post}/favourited_by", s.ListOf(s.ACCOUNT),
                                           None),
    "/api/v1/timelines/home": ("/api/v1/timelines/home", s.ListOf(s.VIEWER_STATUS), "ana"),
    "/api/v1/timelines/public": ("/api/v1/timelines/public", s.ListOf(s.STATUS), None),
    "/api/v1/timelines/tag/:hashtag": ("/api/v1/timelines/tag/garden", s.ListOf(s.VIEWER_STATUS), "ana"),
    "/api/v1/bookmarks": ("/api/v1/bookmarks", s.ListOf(s.VIEWER_STATUS), "ana"),
    "/api/v1/favourites": ("/api/v1/favourites", s.ListOf(s.VIEWER_STATUS), "ana"),
    "/api/v1/media/:id": ("/api/v1/media/{media}", s.MEDIA_ATTACHMENT, "ana"),
    "/api/v1/tags/:name": ("/api/v1/tags/garden", s.TAG, None),
    "/api/v1/polls/:id": ("/api/v1/polls/{poll}", s.VIEWER_POLL, "ana"),
    "/api/v1/notifications": ("/api/v1/notifications?types[]=favourite&types[]=reblog&types[]=mention",
                              s.ListOf(s.STATUS_NOTIFICATION), "ana"),
    "/api/v1/notifications/:id": ("/api/v1/notifications/{notification}", s.STATUS_NOTIFICATION, "ana"),
    "/api/v1/notifications/unread_count": ("/api/v1/notifications/unread_count", s.COUNT, "ana"),
    "/api/v2/notifications": ("/api/v2/notifications?types[]=favourite&types[]=reblog",
                              s.GROUPED_NOTIFICATIONS, "ana"),
    "/api/v2/notifications/:group_key": ("/api/v2/notifications/{group}",
                                         {**s.GROUPED_NOTIFICATIONS,
                                          "notification_groups": s.ListOf(s.NOTIFICATION_GROUP)}, "ana"),
    "/api/v2/notifications/:group_key/accounts": ("/api/v2/notifications/{group}/accounts",
                                                  s.ListOf(s.ACCOUNT), "ana"),
    "/api/v2/notifications/unread_count": ("/api/v2/notifications/unread_count", s.COUNT, "ana"),
    "/api/v2/notifications/policy": ("/api/v2/notifications/policy", s.NOTIFICATION_POLICY, "ana"),
    "/api/v1/notifications/requests": ("/api/v1/notifications/requests", s.ListOf(s.NOTIFICATION_REQUEST),
                                       "ana"),
    "/api/v1/notifications/requests/:id": ("/api/v1/notifications/requests/{request}",
                                           s.NOTIFICATION_REQUEST, "ana"),
    "/api/v1/notifications/requests/merged": ("/api/v1/notifications/requests/merged", {"merged": bool},
                                              "ana"),
    "/api/v1/markers": ("/api/v1/markers?timeline[]=home&timeline[]=notifications",
                        {"home": s.MARKER, "notifications": s.MARKER}, "ana"),
    "/api/v2/filters": ("/api/v2/filters", s.ListOf(s.FILTER), "ana"),
    "/api/v2/filters/:id": ("/api/v2/filters/{filter}", s.FILTER, "ana"),
    "/api/v2/filters/:id/keywords": ("/api/v2/filters/{filter}/keywords", s.ListOf(s.FILTER_KEYWORD), "ana"),
    "/api/v2/filters/:id/statuses": ("/api/v2/filters/{filter}/statuses", s.ListOf(s.FILTER_STATUS), "ana"),
    "/api/v2/filters/keywords/:id": ("/api/v2/filters/keywords/{keyword}", s.FILTER_KEYWORD, "ana"),
    "/api/v2/filters/statuses/:id": ("/api/v2/filters/statuses/{status_filter}", s.FILTER_STATUS, "ana"),
    "/api/v1/filters": ("/api/v1/filters", s.ListOf(s.V1_FILTER), "ana"),
    "/api/v1/filters/:id": ("/api/v1/filters/{keyword}", s.V1_FILTER, "ana"),
    # lists, followed and featured tags, endorsements (issue 13)
    "/api/v1/lists": ("/api/v1/lists", s.ListOf(s.LIST), "ana"),
    "/api/v1/lists/:id": ("/api/v1/lists/{list}", s.LIST, "ana"),
    "/api/v1/lists/:id/accounts": ("/api/v1/lists/{list}/accounts", s.ListOf(s.ACCOUNT), "ana"),
    "/api/v1/accounts/:id/lists": ("/api/v1/accounts/{bob}/lists", s.ListOf(s.LIST), "ana"),
    "/api/v1/timelines/list/:list_id": ("/api/v1/timelines/list/{list}", s.ListOf(s.VIEWER_STATUS), "ana"),
    "/api/v1/followed_tags": ("/api/v1/followed_tags", s.ListOf(s.VIEWER_TAG), "ana"),
    "/api/v1/featured_tags": ("/api/v1/featured_tags", s.ListOf(s.FEATURED_TAG), "ana"),
    "/api/v1/featured_tags/suggestions": ("/api/v1/featured_tags/suggestions", s.ListOf(s.VIEWER_TAG), "bob"),
    "/api/v1/accounts/:id/featured_tags": ("/api/v1/accounts/{ana}/featured_tags", s.ListOf(s.FEATURED_TAG),
                                           None),
    "/api/v1/endorsements": ("/api/v1/endorsements", s.ListOf(s.ACCOUNT), "ana"),
    # issue 13, part 4
    "/api/v1/scheduled_statuses": ("/api/v1/scheduled_statuses", s.ListOf(s.SCHEDULED_STATUS), "ana"),
    "/api/v1/scheduled_statuses/:id": ("/api/v1/scheduled_statuses/{scheduled}", s.SCHEDULED_STATUS, "ana"),
    "/api/v1/accounts": ("/api/v1/accounts?id[]={bob}&id[]={ana}", s.ListOf(s.ACCOUNT), None),
    "/api/v1/instance/extended_description": ("/api/v1/instance/extended_description",
                                              s.EXTENDED_DESCRIPTION, None),
    "/api/v1/instance/privacy_policy": ("/api/v1/instance/privacy_policy", s.PRIVACY_POLICY, None),
    "/api/v1/instance/terms_of_service": ("/api/v1/instance/terms_of_service", s.TERMS_OF_SERVICE, None),
    **DISCOVERY_SHAPES,
    "/api/v1/reports": ("/api/v1/reports", s.ListOf(s.REPORT), "bob"),
    "/api/v1/reports/:id": ("/api/v1/reports/{report}", s.REPORT, "bob"),
    "/api/v1/admin/reports": ("/api/v1/admin/reports", s.ListOf(s.ADMIN_REPORT), "mod"),
    "/api/v1/admin/reports/:id": ("/api/v1/admin/reports/{report}", s.ADMIN_REPORT, "mod"),
    "/api/v2/search": ("/api/v2/search?q=garden", s.SEARCH, "ana"),
    # the admin API (issue 14): "ada" is an admin
    "/api/v1/admin/accounts": ("/api/v1/admin/accounts", s.ListOf(s.ADMIN_ACCOUNT), "ada"),
    "/api/v2/admin/accounts": ("/api/v2/admin/accounts", s.ListOf(s.ADMIN_ACCOUNT), "ada"),
    "/api/v1/admin/accounts/:id": ("/api/v1/admin/accounts/{ana}", s.ADMIN_ACCOUNT, "ada"),
    "/api/v1/admin/canonical_email_blocks": ("/api/v1/admin/canonical_email_blocks",
                                             s.ListOf(s.CANONICAL_EMAIL_BLOCK), "ada"),
    "/api/v1/admin/canonical_email_blocks/:id": ("/api/v1/admin/canonical_email_blocks/{canonical}",
                                                 s.CANONICAL_EMAIL_BLOCK, "ada"),
    "/api/v1/admin/email_domain_blocks": ("/api/v1/admin/email_domain_blocks",
                                          s.ListOf(s.EMAIL_DOMAIN_BLOCK), "ada"),
    "/api/v1/admin/email_domain_blocks/:id": ("/api/v1/admin/email_domain_blocks/{email_domain}",
                                              s.EMAIL_DOMAIN_BLOCK, "ada"),
    "/api/v1/admin/ip_blocks": ("/api/v1/admin/ip_blocks", s.ListOf(s.IP_BLOCK), "ada"),
    "/api/v1/admin/ip_blocks/:id": ("/api/v1/admin/ip_blocks/{ip}", s.IP_BLOCK, "ada"),
    "/api/v1/admin/domain_blocks": ("/api/v1/admin/domain_blocks", s.ListOf(s.ADMIN_DOMAIN_BLOCK), "ada"),
    "/api/v1/admin/audit_log": ("/api/v1/admin/audit_log", s.ListOf(s.AUDIT_ENTRY), "ada"),
    "/api/v1/admin/hosts": ("/api/v1/admin/hosts", s.ListOf(s.HOST), "ada"),
    "/api/v1/admin/hosts/:domain": ("/api/v1/admin/hosts/{host}", s.HOST, "ada"),
    "/api/v1/admin/policies": ("/api/v1/admin/policies", s.ListOf(s.POLICY_RULE), "ada"),
    "/api/v1/admin/domain_blocks/:id": ("/api/v1/admin/domain_blocks/{domain_block}", s.ADMIN_DOMAIN_BLOCK,
                                        "ada"),
    "/api/v1/admin/domain_allows": ("/api/v1/admin/domain_allows", s.ListOf(s.ADMIN_DOMAIN_ALLOW), "ada"),
    "/api/v1/admin/domain_allows/:id": ("/api/v1/admin/domain_allows/{domain_allow}", s.ADMIN_DOMAIN_ALLOW,
                                        "ada"),
    "/api/v1/instance/domain_blocks": ("/api/v1/instance/domain_blocks", s.ListOf(s.INSTANCE_DOMAIN_BLOCK),
                                       None),
}


@dataclass
class Seeded:
    api: Api
    ids: dict[str, str]
    tokens: dict[str, str]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (20, 120, 40)).save(out, format="PNG")
    return out.getvalue()


async def _seed(api: Api) -> Seeded:
    """ana (locked) posts with a hashtag, a poll and an edit; bob boosts, favourites and replies; cem asks
    to follow; ana blocks dan, mutes eve for a day and fay for good, hides a domain, bookmarks the reply."""
    ana = await api.member("ana", locked=True)
    bob, _cem, dan, eve, fay = [await api.member(n) for n in ("bob", "cem", "dan", "eve", "fay")]
    await api.setting("rules", ["Be kind"])
    await add(api, CustomEmoji(shortcode="blobcat", domain=None, image_url="http://amity.test/media/a.png"))
    app = await api.register_app()
    tokens = {"ana": await api.password_token(app, "ana"), "bob": await api.password_token(app, "bob"),
              "app": await api.app_token(app)}
    await follow(api, bob, ana)
    await follow(api, ana, bob)
    await follow(api, bob, fay)
    await follow(api, await remote(api, "rex"), ana)  # a peer for instance/peers
    ana_token, bob_token = tokens["ana"], tokens["bob"]
    cem_token = await api.password_token(app, "cem")
    await api.json("POST", f"/api/v1/accounts/{ana.id}/follow", cem_token)
    # a private mention out of the blue: held in a notification request (Mastodon's default policy)
    await api.json("POST", "/api/v1/statuses", cem_token,
                   json={"status": "@ana psst", "visibility": "direct"})
    await run_jobs(api.services)
    post = await api.json("POST", "/api/v1/statuses", ana_token, json={
        "status": "First #garden day :blobcat:", "poll": {"options": ["beans", "peas"], "expires_in": 3600}})
    await api.json("PUT", f"/api/v1/statuses/{post['id']}", ana_token, json={
        "status": "First #garden day, edited", "poll": {"options": ["beans", "peas"], "expires_in": 3600}})
    post = await api.json("GET", f"/api/v1/statuses/{post['id']}", ana_token)
    for action in ("favourite", "reblog"):
        await api.json("POST", f"/api/v1/statuses/{post['id']}/{action}", bob_token)
    reply = await api.json("POST", "/api/v1/statuses", bob_token,
                           json={"status": "@ana lovely", "in_reply_to_id": post["id"]})
    await api.json("POST", f"/api/v1/statuses/{reply['id']}/bookmark", ana_token)
    await api.json("POST", f"/api/v1/statuses/{reply['id']}/favourite", ana_token)
    await api.json("POST", f"/api/v1/accounts/{dan.id}/block", ana_token)
    await api.json("POST", f"/api/v1/accounts/{eve.id}/mute", ana_token, data={"duration": "86400"})
    await api.json("POST", f"/api/v1/accounts/{fay.id}/mute", ana_token)
    await api.json("POST", "/api/v1/domain_blocks", ana_token, data={"domain": "spam.example"})
    form = FormData()
    form.add_field("file", _png(), filename="leaf.png", content_type="image/png")
    media = await api.json("POST", "/api/v2/media", ana_token, data=form)
    listed = await api.json("POST", "/api/v1/lists", ana_token, json={"title": "friends"})
    await api.json("POST", f"/api/v1/lists/{listed['id']}/accounts", ana_token,
                   data={"account_ids[]": bob.id})
    await api.json("POST", "/api/v1/tags/garden/follow", ana_token)
    await api.json("POST", "/api/v1/featured_tags", ana_token, data={"name": "garden"})
    await api.json("POST", f"/api/v1/accounts/{bob.id}/pin", ana_token)
    await api.json("POST", "/api/v1/statuses", bob_token, json={"status": "my #beans"})  # a suggestion
    await api.json("POST", "/api/v1/markers", ana_token, json={
        "home": {"last_read_id": post["id"]}, "notifications": {"last_read_id": "1"}})
    notification = (await api.json("GET", "/api/v1/notifications?types[]=favourite", ana_token))[0]
    request = (await api.json("GET", "/api/v1/notifications/requests", ana_token))[0]
    ids = {"notification": notification["id"], "group": notification["group_key"], "request": request["id"],
           "ana": str(ana.id), "bob": str(bob.id), "dan": str(dan.id), "fay": str(fay.id), "post": post["id"],
           "reply": reply["id"], "poll": post["poll"]["id"], "media": media["id"], "list": listed["id"]}
    ids |= await _seed_filters(api, ana_token, reply["id"])
    # issue 13, part 4: a scheduled post with an upload, the instance's long texts
    form = FormData()
    form.add_field("file", _png(), filename="later.png", content_type="image/png")
    later = await api.json("POST", "/api/v2/media", ana_token, data=form)
    scheduled = await api.json("POST", "/api/v1/statuses", ana_token, json={
        "status": "Later", "media_ids": [later["id"]], "scheduled_at": "2099-01-01T00:00:00Z"})
    ids["scheduled"] = scheduled["id"]
    await api.setting("description", "A *garden* club")
    await api.setting("terms_of_service", "Be nice")
    await seed_discovery(api, tokens)
    await api.member("mod", role="moderator")
    tokens["mod"] = await api.token_for("mod", "read admin:read")
    report = await api.json("POST", "/api/v1/reports", bob_token, data={
        "account_id": str(ana.id), "status_ids[]": [post["id"]], "rule_ids[]": ["1"], "comment": "rude"})
    ids["report"] = report["id"]
    ids.update(await _seed_admin(api, tokens))
    async with api.services.sessions() as session, session.begin():
        session.add(Host(domain="down.example", consecutive_failures=2, failing_since=utcnow(),
                         last_error="503 Service Unavailable", last_error_at=utcnow()))
        session.add(PolicyRule(kind="keyword", value="casino", action="reject", position=1,
                               created_by="cli:root"))
    ids["host"] = "down.example"
    return Seeded(api, ids, tokens)


async def _seed_filters(api: Api, token: str, reply_id: str) -> dict[str, str]:
    """ana warns herself of bob's reply, by a keyword and by the status: its `filtered` is not empty."""
    made = await api.json("POST", "/api/v2/filters", token, json={
        "title": "lovely", "context": ["home", "public", "thread", "account"], "filter_action": "warn",
        "keywords_attributes": [{"keyword": "lovely"}]})
    status_filter = await api.json("POST", f"/api/v2/filters/{made['id']}/statuses", token,
                                   data={"status_id": reply_id})
    return {"filter": made["id"], "keyword": made["keywords"][0]["id"], "status_filter": status_filter["id"]}


async def _seed_admin(api: Api, tokens: dict[str, str]) -> dict[str, str]:
    """An admin, ada, and one of each thing the admin API lists."""
    await api.member("ada", role="admin")
    ada = tokens["ada"] = await api.token_for("ada", "read write follow admin:read admin:write")
    created = {
        "canonical": ("/api/v1/admin/canonical_email_blocks", {"email": "spam@mail.example"}),
        "email_domain": ("/api/v1/admin/email_domain_blocks", {"domain": "spam.example"}),
        "ip": ("/api/v1/admin/ip_blocks", {"ip": "192.0.2.0/24", "severity": "sign_up_block"}),
        "domain_block": ("/api/v1/admin/domain_blocks", {"domain": "bad.example", "severity": "suspend"}),
        "domain_allow": ("/api/v1/admin/domain_allows", {"domain": "friend.example"}),
    }
    return {name: (await api.json("POST", path, ada, data=data))["id"]
            for name, (path, data) in created.items()}


@pytest.fixture
async def seeded(aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path) -> AsyncIterator[Seeded]:
    yield await _seed(await start_api(aiohttp_client, sqlite_url, tmp_path))


NOT_JSON = {"/api/v1/admin/domain_blocks/export"}  # a CSV file (tests/ui/api/admin/test_domain_rules.py)


def _documented_gets() -> list[str]:
    return sorted({path for method, path, status in _rows()
                   if method == "GET" and status != "not yet" and path.startswith("/api/")} - NOT_JSON)


def test_every_documented_get_endpoint_is_checked() -> None:
    missing = [path for path in _documented_gets() if path not in SHAPES]
    assert not missing, f"GET endpoints with no entity check in SHAPES: {missing}"
    stale = set(SHAPES) - set(_documented_gets())
    assert not stale, f"SHAPES lists endpoints the coverage table does not mark done: {stale}"


async def test_every_get_endpoint_answers_its_documented_entity(seeded: Seeded) -> None:
    api, wrong = seeded.api, []
    for documented, (template, schema, who) in SHAPES.items():
        path = template.format(**seeded.ids)
        response = await api.request("GET", path, seeded.tokens[who] if who else None)
        if response.status != 200:
            wrong.append(f"{documented}: {response.status} {await response.text()}")
            continue
        body = await response.json()
        if isinstance(schema, s.ListOf) and not body:
            wrong.append(f"{documented}: an empty list, so its items were not checked")
        wrong.extend(f"{documented}: {problem}" for problem in s.problems(body, schema))
    assert not wrong, "\n".join(wrong)


async def test_mutes_say_when_each_ends_null_for_good(seeded: Seeded) -> None:
    mutes = await seeded.api.json("GET", "/api/v1/mutes", seeded.tokens["ana"])
    ends = {m["username"]: m["mute_expires_at"] for m in mutes}
    assert set(ends) == {"eve", "fay"} and ends["fay"] is None
    assert re.match(s.ISO_DATETIME, ends["eve"] or "")
