"""The types local actions produce, as members see them: `status` (a followed account posted,
with notify on), `update` (a boosted post was edited), `admin.sign_up` and `admin.report` (staff)."""

from __future__ import annotations

from storage.models import Report
from tests.actors.posts.poll_helpers import run_jobs
from tests.ui.api.notification_helpers import kinds, listed, notified
from tests.ui.api.schemas import REPORT_NOTIFICATION, STATUS_NOTIFICATION, assert_entity
from tests.ui.api.test_signup import _app_token, _form
from tests.ui.api.timeline_helpers import add
from tests.ui.client_api import Api


async def test_a_followed_accounts_post_notifies_those_who_asked(any_api: Api) -> None:
    bob = await any_api.member("bob")
    await any_api.member("ana"), await any_api.member("cem")
    ana, cem, bob_token = [await any_api.token_for(n) for n in ("ana", "cem", "bob")]
    await any_api.json("POST", f"/api/v1/accounts/{bob.id}/follow", ana, data={"notify": "true"})
    await any_api.json("POST", f"/api/v1/accounts/{bob.id}/follow", cem)
    post = await any_api.json("POST", "/api/v1/statuses", bob_token, json={"status": "news"})
    await any_api.json("POST", "/api/v1/statuses", bob_token,
                       json={"status": "more", "in_reply_to_id": post["id"]})  # a self-reply counts
    other = await any_api.json("POST", "/api/v1/statuses", ana, json={"status": "ana's"})
    await any_api.json("POST", "/api/v1/statuses", bob_token,
                       json={"status": "@ana reply", "in_reply_to_id": other["id"]})
    await any_api.json("POST", f"/api/v1/statuses/{other['id']}/reblog", bob_token)
    await run_jobs(any_api.services)
    found = await listed(any_api, ana, "?types[]=status")
    assert [n["status"]["content"] for n in found] == ["<p>more</p>", "<p>news</p>"]
    assert_entity(found[0], STATUS_NOTIFICATION)
    assert await listed(any_api, cem) == []


async def test_editing_a_post_notifies_those_who_boosted_it(any_api: Api) -> None:
    await any_api.member("bob"), await any_api.member("ana"), await any_api.member("cem")
    ana, cem, bob = [await any_api.token_for(n) for n in ("ana", "cem", "bob")]
    post = await any_api.json("POST", "/api/v1/statuses", bob, json={"status": "first"})
    await any_api.json("POST", f"/api/v1/statuses/{post['id']}/reblog", ana)
    await any_api.json("POST", f"/api/v1/statuses/{post['id']}/favourite", cem)
    await any_api.json("PUT", f"/api/v1/statuses/{post['id']}", bob, json={"status": "second"})
    (update,) = await listed(any_api, ana)
    assert update["type"] == "update" and update["status"]["content"] == "<p>second</p>"
    assert update["status"]["reblogged"] is True
    await any_api.json("PUT", f"/api/v1/statuses/{post['id']}", bob, json={"status": "third"})
    (again,) = await listed(any_api, ana)
    assert int(again["id"]) > int(update["id"])  # one entry, brought back to the top
    assert await listed(any_api, cem) == []  # favouriting is not boosting


async def test_staff_are_told_of_sign_ups_and_reports(api: Api) -> None:
    mod = await api.member("mod", role="moderator")
    await api.member("ana")
    await api.json("POST", "/api/v1/accounts", await _app_token(api), data=_form())
    mod_token, ana_token = await api.token_for("mod"), await api.token_for("ana")
    (signed,) = await listed(api, mod_token)
    assert signed["type"] == "admin.sign_up" and signed["account"]["acct"] == "bea"
    assert await listed(api, ana_token) == []
    reporter = await api.member("rep")
    report = Report(reporter_id=reporter.id, target_id=(await api.member("bad")).id, comment="spam")
    await add(api, report)
    await notified(api, mod, "admin.report", reporter, report_id=report.id)
    reported = (await listed(api, mod_token, "?types[]=admin.report"))[0]
    assert_entity(reported, REPORT_NOTIFICATION)
    assert reported["report"]["target_account"]["acct"] == "bad"
    assert reported["report"]["comment"] == "spam"
    assert kinds(await listed(api, mod_token, "?types[]=admin.sign_up")) == [("admin.sign_up", "bea")]
