"""Markers: saved per member and timeline, versioned; the unread count starts after the marker."""

from __future__ import annotations

from storage.models import Marker
from tests.ui.api.notification_helpers import notified
from tests.ui.api.schemas import MARKER, assert_entity
from tests.ui.api.timeline_helpers import remote
from tests.ui.client_api import Api

MARKERS = "/api/v1/markers?timeline[]=home&timeline[]=notifications"


async def test_markers_are_saved_per_member_and_versioned(any_api: Api) -> None:
    await any_api.member("ana"), await any_api.member("bob")
    ana, bob = await any_api.token_for("ana"), await any_api.token_for("bob")
    assert await any_api.json("GET", MARKERS, ana) == {}
    saved = await any_api.json("POST", "/api/v1/markers", ana, data={"home[last_read_id]": "103"})
    assert list(saved) == ["home"] and saved["home"]["last_read_id"] == "103"
    assert saved["home"]["version"] == 0
    assert_entity(saved["home"], MARKER)
    again = await any_api.json("POST", "/api/v1/markers", ana, json={
        "home": {"last_read_id": "107"}, "notifications": {"last_read_id": 5}})
    assert again["home"]["version"] == 1 and again["notifications"] == {
        **again["notifications"], "last_read_id": "5", "version": 0}
    same = await any_api.json("POST", "/api/v1/markers", ana, json={"home": {"last_read_id": "107"}})
    assert same["home"]["version"] == 1  # nothing changed, nothing counted
    shown = await any_api.json("GET", MARKERS, ana)
    assert {k: v["last_read_id"] for k, v in shown.items()} == {"home": "107", "notifications": "5"}
    only_home = await any_api.json("GET", "/api/v1/markers?timeline[]=home&timeline[]=nonsense", ana)
    assert list(only_home) == ["home"]
    assert await any_api.json("GET", MARKERS, bob) == {}


async def test_a_malformed_marker_is_refused_and_nothing_is_saved(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    response = await api.request("POST", "/api/v1/markers", token, json={
        "home": {"last_read_id": "12"}, "notifications": {"last_read_id": "twelve"}})
    assert response.status == 422
    assert await response.json() == {"error": "notifications[last_read_id] must be an id"}
    missing = await api.request("POST", "/api/v1/markers", token, json={"home": {}})
    assert missing.status == 422
    assert await api.count(Marker) == 0


async def test_markers_take_statuses_scopes(api: Api) -> None:
    await api.member("ana")
    notifications_only = await api.token_for("ana", "read:notifications write:notifications")
    assert (await api.request("GET", MARKERS, notifications_only)).status == 403
    assert (await api.request("POST", "/api/v1/markers", notifications_only,
                              json={"home": {"last_read_id": "1"}})).status == 403
    assert await api.count(Marker) == 0


async def test_unread_count_counts_after_the_notifications_marker_up_to_the_limit(api: Api) -> None:
    ana = await api.member("ana")
    rows = [await notified(api, ana, "follow", await remote(api, f"fan{i}")) for i in range(5)]
    token = await api.token_for("ana")
    assert await api.json("GET", "/api/v1/notifications/unread_count", token) == {"count": 5}
    await api.json("POST", "/api/v1/markers", token,
                   json={"notifications": {"last_read_id": str(rows[1].id)}})
    assert await api.json("GET", "/api/v1/notifications/unread_count", token) == {"count": 3}
    assert await api.json("GET", "/api/v1/notifications/unread_count?limit=2", token) == {"count": 2}
    await api.json("POST", "/api/v1/markers", token, json={"home": {"last_read_id": str(rows[4].id)}})
    # the home marker does not count here
    assert await api.json("GET", "/api/v1/notifications/unread_count", token) == {"count": 3}
    bad = await api.request("GET", "/api/v1/notifications/unread_count?limit=x", token)
    assert bad.status == 422
