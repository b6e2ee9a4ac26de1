"""Reply chains that loop (a post replying to itself, A -> B -> A), stored directly in the
database as a hostile or broken peer could make them: no thread walk crashes or repeats."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from actors.social.muting import conversation_muted, thread_root
from storage.models import Status
from tests.ui.client_api import Api

STATUSES = "/api/v1/statuses"


async def _looped(api: Api) -> tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A member's token and three posts: A and B reply to each other, C replies to itself."""
    await api.member("alice")
    token = await api.token_for("alice")
    a = await api.json("POST", STATUSES, token, data={"status": "a"})
    b = await api.json("POST", STATUSES, token, data={"status": "b", "in_reply_to_id": a["id"]})
    c = await api.json("POST", STATUSES, token, data={"status": "c"})
    async with api.services.sessions() as session, session.begin():
        for child, parent in ((a, b), (c, c)):
            await session.execute(update(Status).where(Status.id == int(child["id"]))
                                  .values(in_reply_to_id=int(parent["id"])))
    return token, a, b, c


async def test_the_context_of_a_looping_thread_lists_each_post_once(any_api: Api) -> None:
    token, a, b, c = await _looped(any_api)
    context = await any_api.json("GET", f"{STATUSES}/{a['id']}/context", token)
    assert [s["id"] for s in context["ancestors"]] == [b["id"]]
    assert [s["id"] for s in context["descendants"]] == [b["id"]]
    itself = await any_api.json("GET", f"{STATUSES}/{c['id']}/context", token)
    assert itself == {"ancestors": [], "descendants": []}


async def test_muting_a_looping_thread_works_and_shows(any_api: Api) -> None:
    token, a, b, c = await _looped(any_api)
    for post in (a, c):
        muted = await any_api.json("POST", f"{STATUSES}/{post['id']}/mute", token)
        assert muted["muted"] is True
        shown = await any_api.json("GET", f"{STATUSES}/{post['id']}", token)
        assert shown["muted"] is True
    assert (await any_api.json("GET", f"{STATUSES}/{b['id']}", token))["muted"] is True
    unmuted = await any_api.json("POST", f"{STATUSES}/{c['id']}/unmute", token)
    assert unmuted["muted"] is False


async def test_thread_roots_and_conversation_mutes_end_in_a_loop(any_api: Api) -> None:
    _, a, _, c = await _looped(any_api)
    async with any_api.services.sessions() as session:
        for post in (a, c):
            status = await session.get(Status, int(post["id"]))
            assert status is not None
            root = await thread_root(session, status)
            assert root.id in {int(a["id"]), int(c["id"]), status.in_reply_to_id}
            assert await conversation_muted(session, status.actor_id, status) is False
