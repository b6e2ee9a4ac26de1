"""Followed tags, featured tags and endorsements through the client API: shapes, the Tag
entity's `following`, the Relationship's `endorsed`, limits, and refusals that store nothing."""

from __future__ import annotations

from storage.models import Endorsement, FeaturedTag, FollowedTag, Tag
from tests.ui.api.schemas import ACCOUNT, FEATURED_TAG, RELATIONSHIP, VIEWER_TAG, assert_entity
from tests.ui.api.timeline_helpers import follow, status
from tests.ui.client_api import Api


async def test_a_member_follows_and_unfollows_a_tag(any_api: Api) -> None:
    await any_api.member("ana")
    token = await any_api.token_for("ana")
    followed = await any_api.json("POST", "/api/v1/tags/Garden/follow", token)
    assert_entity(followed, VIEWER_TAG)
    assert (followed["name"], followed["following"]) == ("Garden", True)  # the tag is made as written
    assert (await any_api.json("GET", "/api/v1/tags/garden", token))["following"] is True
    await any_api.json("POST", "/api/v1/tags/garden/follow", token)  # again: nothing changes
    await any_api.json("POST", "/api/v1/tags/kitchen/follow", token)
    listed = await any_api.request("GET", "/api/v1/followed_tags?limit=1", token)
    body = await listed.json()
    assert [t["name"] for t in body] == ["kitchen"] and 'rel="next"' in listed.headers["Link"]
    assert_entity(body[0], VIEWER_TAG)
    unfollowed = await any_api.json("POST", "/api/v1/tags/garden/unfollow", token)
    assert unfollowed["following"] is False
    assert [t["name"] for t in await any_api.json("GET", "/api/v1/followed_tags", token)] == ["kitchen"]
    assert "following" not in await any_api.json("GET", "/api/v1/tags/kitchen")  # anonymous


async def test_a_name_that_is_no_hashtag_is_a_404_and_nothing_is_stored(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    for bad in ("123", "no-dash", "x" * 101):
        assert (await api.request("POST", f"/api/v1/tags/{bad}/follow", token)).status == 404, bad
    assert (await api.request("POST", "/api/v1/tags/unknown/unfollow", token)).status == 404
    assert await api.count(Tag) == 0 and await api.count(FollowedTag) == 0
    reader = await api.token_for("ana", scope="read:follows")
    assert (await api.request("POST", "/api/v1/tags/garden/follow", reader)).status == 403
    assert await api.count(FollowedTag) == 0


async def test_featured_tags_count_the_members_posts(any_api: Api) -> None:
    ana = await any_api.member("ana")
    token = await any_api.token_for("ana")
    await status(any_api, ana, "one", tags=("Garden",))
    await status(any_api, ana, "two", tags=("garden", "kitchen"))
    await status(any_api, ana, "secret", tags=("garden",), visibility="private")  # not counted
    made = await any_api.json("POST", "/api/v1/featured_tags", token, data={"name": "#garden"})
    assert_entity(made, FEATURED_TAG)
    assert (made["name"], made["statuses_count"]) == ("Garden", 2) and made["last_status_at"] is not None
    fresh = await any_api.json("POST", "/api/v1/featured_tags", token, json={"name": "unused"})
    assert (fresh["statuses_count"], fresh["last_status_at"]) == (0, None)
    assert await any_api.json("GET", "/api/v1/featured_tags", token) == [made, fresh]
    assert await any_api.json("GET", f"/api/v1/accounts/{ana.id}/featured_tags") == [made, fresh]
    suggested = await any_api.json("GET", "/api/v1/featured_tags/suggestions", token)
    assert [t["name"] for t in suggested] == ["kitchen"]  # used, and not featured yet
    assert_entity(suggested[0], VIEWER_TAG)
    assert await any_api.json("DELETE", f"/api/v1/featured_tags/{fresh['id']}", token) == {}
    assert await any_api.json("GET", "/api/v1/featured_tags", token) == [made]


async def test_featuring_is_refused_in_mastodons_words_and_stores_nothing(api: Api) -> None:
    await api.member("ana")
    await api.member("bea")
    token, other = await api.token_for("ana"), await api.token_for("bea")
    invalid = await api.json("POST", "/api/v1/featured_tags", token, data={"name": "123"}, status=422)
    assert invalid == {"error": "Validation failed: Tag is invalid"}
    assert (await api.request("POST", "/api/v1/featured_tags", token, data={})).status == 400
    assert await api.count(FeaturedTag) == 0
    for number in range(10):
        await api.json("POST", "/api/v1/featured_tags", token, data={"name": f"tag{number}"})
    too_many = await api.json("POST", "/api/v1/featured_tags", token, data={"name": "eleven"}, status=422)
    assert "10" in too_many["error"]
    taken = await api.json("POST", "/api/v1/featured_tags", token, data={"name": "TAG1"}, status=422)
    assert "already" in taken["error"]
    mine = (await api.json("GET", "/api/v1/featured_tags", token))[0]
    answer = await api.json("DELETE", f"/api/v1/featured_tags/{mine['id']}", other, status=404)
    assert answer == {"error": "Record not found"}
    assert await api.count(FeaturedTag) == 10
    assert (await api.request("GET", "/api/v1/accounts/12345/featured_tags")).status == 404


async def test_endorsing_a_followed_account(any_api: Api) -> None:
    ana, bea, cid = (await any_api.member("ana"), await any_api.member("bea"), await any_api.member("cid"))
    token = await any_api.token_for("ana")
    refused = await any_api.json("POST", f"/api/v1/accounts/{bea.id}/pin", token, status=422)
    assert refused == {
        "error": "Validation failed: You must be already following the person you want to endorse"}
    assert await any_api.count(Endorsement) == 0
    await follow(any_api, ana, bea)
    await follow(any_api, ana, cid)
    pinned = await any_api.json("POST", f"/api/v1/accounts/{bea.id}/pin", token)
    assert_entity(pinned, RELATIONSHIP)
    assert pinned["endorsed"] is True and pinned["following"] is True
    await any_api.json("POST", f"/api/v1/accounts/{cid.id}/pin", token)
    await any_api.json("POST", f"/api/v1/accounts/{cid.id}/pin", token)  # again: one endorsement
    page = await any_api.request("GET", "/api/v1/endorsements?limit=1", token)
    body = await page.json()
    assert [a["id"] for a in body] == [str(cid.id)] and 'rel="next"' in page.headers["Link"]
    assert_entity(body[0], ACCOUNT)
    relations = await any_api.json("GET", f"/api/v1/accounts/relationships?id[]={bea.id}", token)
    assert relations[0]["endorsed"] is True
    unpinned = await any_api.json("POST", f"/api/v1/accounts/{bea.id}/unpin", token)
    assert unpinned["endorsed"] is False
    assert [a["id"] for a in await any_api.json("GET", "/api/v1/endorsements", token)] == [str(cid.id)]
    assert (await any_api.request("POST", "/api/v1/accounts/12345/pin", token)).status == 404
    assert await any_api.count(Endorsement) == 1
