"""Mastodon.py signs a new member up on a live Amity node and makes friends, over loopback.

The member registers with `create_account` (the app's own token), confirms through the link
mailed to a real SMTP server, logs in with the password grant, follows a local member and the
Fedify peer's alice (whom the node finds by WebFinger through the federation layer, then
Mastodon.py by `account_lookup`); the peer receives the Follow and accepts it; then unfollows.
Mastodon.py is synchronous, so each client step runs in a worker thread while the node serves.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import requests
from mastodon import Mastodon, MastodonAPIError

from federation.resolve import resolve_actor, webfinger
from storage import settings
from tests.integration.node import AmityNode, eventually
from tests.interop.fedify_peer import FedifyPeer
from tests.smtp_server import MailDrop, running_smtp_server

SCOPES = ["read", "write", "follow"]
PASSWORD = "a long enough password"


@pytest.fixture
def smtp() -> Iterator[MailDrop]:
    with running_smtp_server() as drop:
        yield drop


@pytest.fixture
async def node(sqlite_url: str, tmp_path: Path, smtp: MailDrop) -> AsyncIterator[AmityNode]:
    mail = {"host": "127.0.0.1", "port": smtp.port, "security": "none", "timeout_seconds": 5}
    async with await AmityNode.start(sqlite_url, tmp_path, smtp=mail) as amity:
        await amity.write(lambda s: settings.set_value(s, "registration_mode", "open"))
        await amity.create_user("ana")
        yield amity


async def _mailed_link(node: AmityNode, smtp: MailDrop) -> str:
    async def arrived() -> str | None:
        node.wake()
        return smtp.link(r"http://\S+/auth/confirmation\?confirmation_token=") if smtp.messages else None
    return await eventually(arrived, nodes=(node,))


async def test_mastodon_py_signs_up_confirms_and_follows(node: AmityNode, smtp: MailDrop,
                                                          fedify_peer: FedifyPeer) -> None:
    base = node.base_url
    client_id, client_secret = await asyncio.to_thread(
        Mastodon.create_app, "Signup", scopes=SCOPES, api_base_url=base)
    app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)

    def register() -> str:
        token = app.create_account("bea", PASSWORD, "bea@school.example", agreement=True, locale="en",
                                   scopes=SCOPES)
        assert isinstance(token, str) and token
        waiting = Mastodon(access_token=token, api_base_url=base)
        with pytest.raises(MastodonAPIError) as refused:  # not confirmed yet: 403 with the reason
            waiting.account_verify_credentials()
        assert "confirmed e-mail" in str(refused.value)
        closed_app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
        _, error = closed_app.create_account("bea", PASSWORD, "other@school.example", agreement=True,
                                             scopes=SCOPES, return_detailed_error=True)
        assert error is not None and "taken" in str(error)
        return token

    await asyncio.to_thread(register)
    link = await _mailed_link(node, smtp)
    page = await asyncio.to_thread(requests.get, link, timeout=10)
    assert page.status_code == 200 and "you can sign in now" in page.text

    # WebFinger through the federation layer makes alice known; then any client can look her up.
    alice_uri = await webfinger(node.services, fedify_peer.username, fedify_peer.domain)
    await resolve_actor(node.services, alice_uri)

    def befriend() -> tuple[str, str]:
        member = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
        member.log_in(username="bea@school.example", password=PASSWORD, scopes=SCOPES, allow_http=True)
        me = member.account_verify_credentials()
        assert me.username == "bea" and me.acct == "bea"
        ana = member.account_lookup("ana")
        rel = member.account_follow(ana.id, reblogs=False, notify=True)
        assert rel.following is True and rel.showing_reblogs is False and rel.notifying is True
        alice = member.account_lookup(f"{fedify_peer.username}@{fedify_peer.domain}")
        assert alice.acct == f"{fedify_peer.username}@{fedify_peer.domain}"
        rel = member.account_follow(alice.id)
        assert rel.requested is True and rel.following is False  # until alice's server accepts
        return str(alice.id), str(member.access_token)

    alice_id, token = await asyncio.to_thread(befriend)
    member = Mastodon(access_token=token, api_base_url=base)

    async def followed() -> bool:
        node.wake()
        followers = [f["id"] for f in (await fedify_peer.state())["followers"]]
        [rel] = await asyncio.to_thread(member.account_relationships, alice_id)
        return bool(followers) and rel.following is True
    await eventually(followed, nodes=(node,))
    bea = await node.actor("bea")
    assert [f["id"] for f in (await fedify_peer.state())["followers"]] == [bea.uri]
    follow = next(e for e in await fedify_peer.log() if e["type"] == "Follow")
    assert follow["actor"] == bea.uri and follow["reply"]["type"] == "Accept"

    rel = await asyncio.to_thread(member.account_unfollow, alice_id)
    assert rel.following is False

    async def undone() -> bool:
        node.wake()
        return not (await fedify_peer.state())["followers"]
    await eventually(undone, nodes=(node,))
    undo = next(e for e in await fedify_peer.log() if e["type"] == "Undo")
    assert undo["actor"] == bea.uri
