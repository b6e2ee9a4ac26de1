"""In allowlist mode only partners read: ActivityPub GETs of objects and collections need a
partner's signature, while actor documents, WebFinger and NodeInfo stay public (a partner must
be able to fetch keys and find accounts)."""

from __future__ import annotations

from actors.moderation import audit, domains
from tests.ui.activitypub.conftest import REMOTE_DOMAIN, Node


async def _partner(node: Node, domain: str) -> None:
    async with node.services.sessions() as session, session.begin():
        await domains.set_rule(session, audit.operator(), domain, domains.RuleChange(policy="allow"))


async def test_only_partners_read_objects_and_collections_in_allowlist_mode(node: Node) -> None:
    bob = await node.user("bob")
    status = await node.status(bob, visibility="public")
    partner = await node.remote("pat")
    stranger = await node.remote("sam", domain="elsewhere.example")
    await _partner(node, REMOTE_DOMAIN)
    paths = [f"/users/bob/statuses/{status.id}", "/users/bob/outbox", "/users/bob/followers"]
    for path in paths:  # open mode: anyone
        assert (await node.get(path)).status == 200, path
    await node.setting("federation_mode", "allowlist")
    for path in paths:
        assert (await node.get(path)).status == 401, path
        assert (await node.signed_get(path, stranger)).status == 401, path
        assert (await node.signed_get(path, partner)).status == 200, path
    assert (await node.get("/users/bob")).status == 200  # the actor document, with its key
    for path in ("/.well-known/webfinger?resource=acct:bob@amity.test", "/.well-known/nodeinfo"):
        assert (await node.get(path, accept=None)).status == 200, path
