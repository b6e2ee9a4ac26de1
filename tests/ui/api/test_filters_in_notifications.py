"""Filters in the `notifications` context: `hide` leaves the notifications of matching posts out
of v1 and v2, `warn` marks their status (`filtered`); other contexts leave notifications alone."""

from __future__ import annotations

from tests.ui.api.notification_helpers import notified
from tests.ui.api.test_filters_applied import _filter
from tests.ui.api.timeline_helpers import remote, status
from tests.ui.client_api import Api


async def _two_mentions(api: Api) -> tuple[str, int, int]:
    ana, bea = await api.member("ana"), await remote(api, "bea")
    spoiler = await status(api, bea, "the Spoilers are here")
    plain = await status(api, bea, "a quiet day")
    for post in (spoiler, plain):
        await notified(api, ana, "mention", bea, post.id)
    return await api.token_for("ana"), spoiler.id, plain.id


async def test_hide_leaves_matching_notifications_out_of_v1_and_v2(api: Api) -> None:
    token, _spoiler, plain = await _two_mentions(api)
    await _filter(api, token, "spoilers", context=["notifications"])
    v1 = await api.json("GET", "/api/v1/notifications", token)
    assert [n["status"]["id"] for n in v1] == [str(plain)]
    v2 = await api.json("GET", "/api/v2/notifications", token)
    assert [s["id"] for s in v2["statuses"]] == [str(plain)]


async def test_warn_marks_and_other_contexts_leave_notifications_alone(api: Api) -> None:
    token, spoiler, plain = await _two_mentions(api)
    await _filter(api, token, "spoilers", context=["home", "public"])
    assert len(await api.json("GET", "/api/v1/notifications", token)) == 2
    await _filter(api, token, "spoilers", action="warn", context=["notifications"])
    marked = {n["status"]["id"]: n["status"]["filtered"] for n in await api.json(
        "GET", "/api/v1/notifications", token)}
    assert [r["filter"]["filter_action"] for r in marked[str(spoiler)]] == ["warn"]
    assert marked[str(plain)] == []
