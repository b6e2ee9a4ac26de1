"""Reports from real clients against a live Amity node: Mastodon.py files a report with two
statuses, a moderator handles it through Mastodon.py's admin calls and the `amity report`
command, and the reporter sees it resolved; a forwarded report reaches the real Fedify peer as a
signed `Flag` from the instance actor.

Mastodon.py is synchronous, so each client scenario runs in a worker thread while the node
serves from the test's event loop; the CLI runs as a subprocess on the node's database.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import requests
from mastodon import Mastodon, MastodonAPIError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.urls import instance_actor_uri
from storage.models import AuditLogEntry, Report, User
from tests.integration.node import AmityNode
from tests.interop.amity_fedify import _logged, _peer_note_at_bob, amity
from tests.interop.fedify_peer import FedifyPeer
from tests.ui.cli.run import amity as amity_command

__all__ = ["amity"]  # fixtures from amity_fedify

PASSWORD = "test password"  # AmityNode.create_user's
MEMBER_SCOPES = ["read", "write", "follow"]
STAFF_SCOPES = ["read", "write", "follow", "admin:read", "admin:write"]


async def _make_moderator(node: AmityNode, name: str) -> None:
    await node.create_user(name)

    async def promote(session: AsyncSession) -> None:
        user = await session.scalar(select(User).where(User.email == f"{name}@example.org"))
        assert user is not None
        user.role = "moderator"
    await node.write(promote)


def _client(base: str, name: str, scopes: list[str]) -> Mastodon:
    client_id, client_secret = Mastodon.create_app(f"Reports {name}", scopes=scopes, api_base_url=base)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    api.log_in(username=f"{name}@example.org", password=PASSWORD, scopes=scopes, allow_http=True)
    return api


def _cli_config(node: AmityNode, tmp_path: Path) -> Path:
    """An amity.toml for the `amity` command on the live node's database."""
    path = tmp_path / "cli" / "amity.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'domain = "{node.domain}"\nscheme = "http"\n'
                    f'database_url = "{node.config.database_url}"\nsecret_key = "{"s" * 40}"\n'
                    f'media_dir = "{tmp_path / "cli" / "media"}"\n')
    return path


async def test_mastodon_py_report_handled_by_a_moderator_through_the_api_and_the_cli(
        amity: AmityNode, tmp_path: Path) -> None:
    base = amity.base_url
    await amity.create_user("ana")
    await amity.create_user("bob")
    await _make_moderator(amity, "mo")
    config = _cli_config(amity, tmp_path)

    def file_it() -> tuple[Any, list[str], str]:
        bob = _client(base, "bob", MEMBER_SCOPES)
        posts = [bob.status_post(f"Cheap pills, visit my shop {i}") for i in range(2)]
        ana = _client(base, "ana", MEMBER_SCOPES)
        target = ana.account_lookup("bob")
        filed = ana.report(target, status_ids=posts, comment="Spam, twice", category="spam")
        assert (filed.category, filed.action_taken, filed.target_account.acct) == ("spam", False, "bob")
        assert [str(i) for i in filed.status_ids] == [str(p.id) for p in posts]
        refusal = None
        try:  # a member can't use the admin API
            ana.admin_reports()
        except MastodonAPIError as refused:
            refusal = refused
        assert refusal is not None and 403 in refusal.args
        return filed, [str(p.id) for p in posts], str(ana.access_token)

    filed, post_ids, ana_token = await asyncio.to_thread(file_it)

    def moderate() -> None:
        mo = _client(base, "mo", STAFF_SCOPES)
        (listed,) = mo.admin_reports()
        assert str(listed.id) == str(filed.id)
        shown = mo.admin_report(listed)
        assert [str(s.id) for s in shown.statuses] == post_ids
        assert (shown.account.username, shown.target_account.username, shown.comment) == (
            "ana", "bob", "Spam, twice")
        assert shown.target_account.account.acct == "bob" and shown.action_taken is False
        assert mo.admin_report_assign(shown).assigned_account.username == "mo"

    await asyncio.to_thread(moderate)

    listed = await asyncio.to_thread(amity_command, "--config", str(config), "report", "list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert str(filed.id) in listed.stdout and "@bob" in listed.stdout
    shown = await asyncio.to_thread(amity_command, "--config", str(config), "report", "show", str(filed.id),
                                    cwd=tmp_path)
    assert shown.returncode == 0 and all(f"post {i}" in shown.stdout for i in post_ids), shown.stdout
    noted = await asyncio.to_thread(amity_command, "--config", str(config), "report", "note", str(filed.id),
                                    "both posts link the same shop", "--as", "mo", cwd=tmp_path)
    assert noted.returncode == 0, noted.stderr

    def resolve_and_look() -> None:
        mo = _client(base, "mo", STAFF_SCOPES)
        resolved = mo.admin_report_resolve(filed)
        assert resolved.action_taken is True and resolved.action_taken_by_account.username == "mo"
        assert mo.admin_reports() == []
        assert [str(r.id) for r in mo.admin_reports(resolved=True)] == [str(filed.id)]
        # Mastodon.py has no call for a member's own report (Mastodon has no endpoint for it);
        # GoToSocial's, which Amity serves, read with the reporter's token:
        seen = requests.get(f"{base}/api/v1/reports/{filed.id}", timeout=10,
                            headers={"Authorization": f"Bearer {ana_token}"})
        assert seen.status_code == 200 and seen.json()["action_taken"] is True
        assert seen.json()["action_taken_at"] is not None

    await asyncio.to_thread(resolve_and_look)

    async def audit(session: AsyncSession) -> list[tuple[str, str]]:
        return [(e.action, e.actor_label) for e in
                (await session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id))).all()]
    assert await amity.query(audit) == [("report.assign", "@mo"), ("report_note.create", "@mo"),
                                        ("report.resolve", "@mo")]


async def test_a_forwarded_report_reaches_the_fedify_peer_as_a_signed_flag(
        amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    _bob, alice, note = await _peer_note_at_bob(amity, fedify_peer)

    def file_it() -> Any:
        client = _client(amity.base_url, "bob", MEMBER_SCOPES)
        return client.report(str(alice.id), status_ids=[str(note.id)], comment="Scam links",
                             forward=True, category="spam")

    filed = await asyncio.to_thread(file_it)
    assert filed.forwarded is True
    entry = await _logged(amity, fedify_peer, "Flag")
    instance = instance_actor_uri(amity.base_url)
    assert entry["actor"] == instance and entry["signer"] == f"{instance}#main-key"
    assert entry["raw"]["object"] == [alice.uri, note.uri] and entry["raw"]["content"] == "Scam links"
    assert entry["error"] is None

    async def stored(session: AsyncSession) -> Report | None:
        return await session.scalar(select(Report))
    report = await amity.query(stored)
    assert report is not None and report.forwarded and report.uri == entry["id"]
