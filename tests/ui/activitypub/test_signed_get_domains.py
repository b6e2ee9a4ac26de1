"""A signed GET whose keyId is not written canonically counts as unsigned: nothing is
fetched for it (the key cache and stored keys are keyed on the one spelling)."""

from __future__ import annotations

from typing import NoReturn

import pytest

from federation.httpsig.signatures import sign_request
from tests.ui.activitypub.conftest import Node


@pytest.mark.parametrize("spelling", ["https://Remote.Example/users/stranger#main-key",
                                      "https://remote.example.:443/users/stranger#main-key"])
async def test_a_non_canonical_key_id_is_refused_without_fetching(node: Node, monkeypatch: pytest.MonkeyPatch,
                                                                  spelling: str) -> None:
    await node.user("alice")
    stranger = await node.remote("stranger")
    status = await node.status(await node.user("bob"), visibility="public")
    await node.setting("authorized_fetch", True)
    opened: list[str] = []

    def no_network() -> NoReturn:
        opened.append("session")
        raise AssertionError("nothing may be fetched for a non-canonical keyId")

    monkeypatch.setattr(node.services.client, "_get_session", no_network)
    path = f"/users/bob/statuses/{status.id}"
    headers = sign_request("GET", f"{node.base_url}{path}", key_id=spelling,
                           private_key_pem=stranger.private_key_pem)
    response = await node.get(path, **headers)
    assert response.status == 401 and opened == []
    assert (await node.signed_get(path, stranger)).status == 200  # the canonical keyId works
