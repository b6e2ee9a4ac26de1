"""Real Mastodon clients against a live Amity node on loopback: Mastodon.py and the toot CLI.

Mastodon.py is synchronous, so each scenario runs in a worker thread while the node serves
from the test's event loop. The browser is played by a plain `requests` session that reads
the HTML forms (CSRF token included) exactly as a browser without JavaScript would. toot runs
as a subprocess with its own config directory; its non-interactive `login_cli` uses the
password grant (toot's browser `login` reads the code from a prompt, so it is not scripted).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import io
import json
import os
import re
import secrets
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from mastodon import Mastodon, MastodonAPIError, MastodonUnauthorizedError
from PIL import Image
from sqlalchemy import func, select

from actors.posts import emoji
from storage.blobs import BlobStore
from storage.models import OAuthAccessToken
from tests.integration.node import AmityNode

OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = ["read", "write", "follow", "push"]
PASSWORD = "test password"  # AmityNode.create_user's
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_CODE = re.compile(r'<code id="code">([^<]+)</code>')


@pytest.fixture
async def node(sqlite_url: str, tmp_path: Path) -> AsyncIterator[AmityNode]:
    async with await AmityNode.start(sqlite_url, tmp_path) as amity:
        await amity.create_user("ana")
        yield amity


def _hidden(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(page)}


def _browser_code(base_url: str, authorize_url: str, email: str) -> str:
    """Open the authorization URL, sign in through the form, approve, read the OOB code."""
    browser = requests.Session()
    sign_in = browser.get(authorize_url, timeout=10)  # redirected to /auth/sign_in?next=…
    assert sign_in.url.startswith(f"{base_url}/auth/sign_in?next=") and 'type="password"' in sign_in.text
    consent = browser.post(f"{base_url}/auth/sign_in", timeout=10,
                           data={**_hidden(sign_in.text), "username": email, "password": PASSWORD})
    assert consent.status_code == 200 and "Authorize" in consent.text, consent.text
    shown = browser.post(f"{base_url}/oauth/authorize", timeout=10,
                         data={**_hidden(consent.text), "decision": "approve"})
    found = _CODE.search(shown.text)
    assert found is not None, shown.text
    return found.group(1)


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


async def test_mastodon_py_signs_in_through_the_form_with_pkce(node: AmityNode) -> None:
    base = node.base_url

    def scenario() -> None:
        client_id, client_secret = Mastodon.create_app("Interop", scopes=SCOPES, redirect_uris=OOB,
                                                       api_base_url=base)
        app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
        verifier, challenge = _pkce()
        url = app.auth_request_url(redirect_uris=OOB, scopes=SCOPES, allow_http=True)
        pkce = urlencode({"code_challenge": challenge, "code_challenge_method": "S256"})
        code = _browser_code(base, f"{url}&{pkce}", "ana@example.org")
        exchange = {"grant_type": "authorization_code", "client_id": client_id,
                    "client_secret": client_secret, "code": code, "redirect_uri": OOB}
        token_url = f"{base}/oauth/token"
        # Mastodon.py sends no PKCE verifier, so the exchange is made as a PKCE client would.
        wrong = requests.post(token_url, data={**exchange, "code_verifier": "x" * 43}, timeout=10)
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        issued = requests.post(token_url, data={**exchange, "code_verifier": verifier}, timeout=10)
        assert issued.status_code == 200, issued.text
        assert set(issued.json()["scope"].split()) == set(SCOPES)
        replay = requests.post(token_url, data={**exchange, "code_verifier": verifier}, timeout=10)
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
        member = Mastodon(access_token=issued.json()["access_token"], api_base_url=base)
        with pytest.raises(MastodonUnauthorizedError):  # the replay revoked what the code gave
            member.account_verify_credentials()

        # And Mastodon.py's own code flow (no PKCE), through the same form.
        code = _browser_code(base, app.auth_request_url(redirect_uris=OOB, scopes=SCOPES, allow_http=True),
                             "ana@example.org")
        app.log_in(code=code, redirect_uri=OOB, scopes=SCOPES, allow_http=True)
        me = app.account_verify_credentials()
        assert me.username == "ana" and me.acct == "ana" and me.source.privacy == "public"
        assert app.app_verify_credentials().name == "Interop"

    await asyncio.to_thread(scenario)


async def test_mastodon_py_password_grant_and_a_members_first_calls(node: AmityNode) -> None:
    base = node.base_url

    def scenario() -> None:
        client_id, client_secret = Mastodon.create_app("Interop", scopes=SCOPES, api_base_url=base)
        api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
        assert "password" in api.oauth_authorization_server_info().grant_types_supported
        api.log_in(username="ana@example.org", password=PASSWORD, scopes=SCOPES, allow_http=True)

        version = api.retrieve_mastodon_version()
        assert version == "4.3.0" and api.verify_minimum_version("4.3.0")
        v1, v2 = api.instance_v1(), api.instance_v2()
        assert v1.uri == node.domain and v1.urls.streaming_api == f"ws://{node.domain}"
        assert v2.domain == node.domain and v2.configuration.urls.streaming == f"ws://{node.domain}"
        assert v2.api_versions.mastodon == 2
        assert v2.configuration.statuses.max_characters == node.config.limits.max_status_chars
        assert api.instance().domain == node.domain

        me = api.account_verify_credentials()
        assert me.username == "ana" and me.created_at.hour == 0
        updated = api.account_update_credentials(
            display_name="Ana Lima", note="Librarian\nPorto Alegre", fields=[("Pronouns", "she/her")],
            locked=True, default_privacy="private", default_language="pt")
        assert updated.display_name == "Ana Lima" and updated.locked is True
        assert updated.source.privacy == "private" and updated.source.language == "pt"
        assert updated.source.note == "Librarian\nPorto Alegre"
        assert [(f.name, f.value) for f in updated.fields] == [("Pronouns", "she/her")]

        found = api.account_lookup("ana")
        assert found.id == me.id and found.display_name == "Ana Lima"
        assert api.account(me.id).acct == "ana"
        [relationship] = api.account_relationships(me.id)
        assert relationship.id == me.id and relationship.following is False

    await asyncio.to_thread(scenario)


async def test_a_revoked_token_is_refused_to_mastodon_py(node: AmityNode) -> None:
    base = node.base_url

    def scenario() -> None:
        client_id, client_secret = Mastodon.create_app("Interop", scopes=SCOPES, api_base_url=base)
        api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
        token = api.log_in(username="ana@example.org", password=PASSWORD, scopes=SCOPES, allow_http=True)
        api.revoke_access_token(allow_http=True)
        stale = Mastodon(access_token=token, api_base_url=base)
        with pytest.raises(MastodonUnauthorizedError) as refused:
            stale.account_verify_credentials()
        assert "revoked" in str(refused.value)
        narrow = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
        narrow.log_in(username="ana@example.org", password=PASSWORD, scopes=["read"], allow_http=True)
        with pytest.raises(MastodonAPIError) as out_of_scope:
            narrow.account_update_credentials(display_name="nope")
        assert "outside the authorized scopes" in str(out_of_scope.value)

    await asyncio.to_thread(scenario)
    revoked = await node.query(lambda s: s.scalar(
        select(func.count()).select_from(OAuthAccessToken).where(OAuthAccessToken.revoked_at.is_not(None))))
    assert revoked == 1


async def _toot(config_home: Path, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("toot")), "--no-color", *args,
        env={**os.environ, "XDG_CONFIG_HOME": str(config_home)},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    return await process.wait(), output.decode()


async def test_toot_logs_in_without_a_browser_and_edits_the_profile(node: AmityNode, tmp_path: Path) -> None:
    home = tmp_path / "toot-config"
    status, output = await _toot(home, "login_cli", "-i", node.base_url, "-e", "ana@example.org",
                                 "-p", PASSWORD)
    assert status == 0 and "Successfully logged in" in output, output
    saved = json.loads((home / "toot" / "config.json").read_text())
    assert saved["active_user"] == f"ana@{node.domain}"
    status, output = await _toot(home, "whoami", "--json")
    assert status == 0 and json.loads(output)["acct"] == "ana", output
    status, output = await _toot(home, "update-account", "--display-name", "Ana from toot", "--privacy",
                                 "unlisted", "--json")
    assert status == 0, output
    body = json.loads(output)
    assert body["display_name"] == "Ana from toot" and body["source"]["privacy"] == "unlisted"
    status, output = await _toot(home, "instance", "--json")
    assert status == 0 and json.loads(output)["uri"] == node.domain, output
    status, output = await _toot(home, "instance")
    assert status == 0 and "4.3.0 (compatible; Amity" in output, output


def _signed_in(base: str, username: str) -> Mastodon:
    client_id, client_secret = Mastodon.create_app("Day", scopes=SCOPES, api_base_url=base)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    api.log_in(username=f"{username}@example.org", password=PASSWORD, scopes=SCOPES, allow_http=True)
    return api


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (20, 120, 200)).save(out, format="PNG")
    return out.getvalue()


async def test_mastodon_py_a_members_day_with_statuses(node: AmityNode) -> None:
    """Post with a CW, a picture with alt text, every visibility (local-only too), reply,
    favourite, boost, bookmark, pin, edit (with history), delete and redraft."""
    await node.create_user("bea")
    base = node.base_url

    def scenario() -> None:
        ana, bea = _signed_in(base, "ana"), _signed_in(base, "bea")

        warned = ana.status_post("Garden club meets on Tuesday #garden", spoiler_text="schedule",
                                 language="en")
        assert warned.spoiler_text == "schedule" and warned.sensitive is True and warned.language == "en"
        assert warned.account.acct == "ana" and warned.tags[0].name == "garden"
        assert warned.favourited is False and warned.reblog is None and warned.created_at.year >= 2024

        media = ana.media_post(_png(), mime_type="image/png", description="A blue rectangle",
                               focus=(0.2, -0.5))
        assert media.type == "image" and media.description == "A blue rectangle" and media.url
        assert requests.get(media.url, timeout=10).status_code == 200
        pictured = ana.status_post("Our new mural", media_ids=[media], sensitive=False)
        [attached] = pictured.media_attachments
        assert attached.id == media.id and attached.description == "A blue rectangle"
        assert attached.meta.focus.x == 0.2 and attached.blurhash

        for visibility in ("public", "unlisted", "private", "direct"):
            posted = ana.status_post(f"@bea {visibility} hello", visibility=visibility)
            assert posted.visibility == visibility and posted.mentions[0].acct == "bea"
        # Local-only is Amity's extension: Mastodon.py does not know the field, so it is sent raw.
        raw = requests.post(f"{base}/api/v1/statuses", timeout=10,
                            data={"status": "members only", "local_only": "true"},
                            headers={"Authorization": f"Bearer {ana.access_token}"})
        assert raw.status_code == 200, raw.text
        local_only = ana.status(raw.json()["id"])
        assert local_only.visibility == "public" and local_only.local_only is True

        reply = bea.status_post("@ana I will bring seeds", in_reply_to_id=warned)
        assert reply.in_reply_to_id == warned.id and reply.in_reply_to_account_id == warned.account.id
        context = ana.status_context(warned)
        assert [s.id for s in context.descendants] == [reply.id]
        assert [s.id for s in bea.status_context(reply).ancestors] == [warned.id]

        faved = bea.status_favourite(warned)
        assert faved.favourited is True and faved.favourites_count == 1
        boost = bea.status_reblog(warned)
        assert boost.reblog.id == warned.id and boost.reblog.reblogged is True
        assert [a.acct for a in ana.status_reblogged_by(warned)] == ["bea"]
        assert [a.acct for a in ana.status_favourited_by(warned)] == ["bea"]
        assert bea.status_bookmark(warned).bookmarked is True
        assert bea.status_unbookmark(warned).bookmarked is False
        assert ana.status_pin(warned).pinned is True
        assert ana.status(warned).replies_count == 1

        edited = ana.status_update(warned, "Garden club meets on Wednesday #garden", spoiler_text="schedule")
        assert "Wednesday" in edited.content and edited.edited_at is not None
        history = ana.status_history(warned)
        assert ["Tuesday" in v.content for v in history] == [True, False]
        assert ana.status_source(warned).text == "Garden club meets on Wednesday #garden"

        deleted = ana.status_delete(pictured)
        assert deleted.text == "Our new mural" and deleted.media_attachments[0].id == media.id
        with pytest.raises(MastodonAPIError):
            ana.status(pictured)
        redraft = ana.status_post(deleted.text, media_ids=[m.id for m in deleted.media_attachments])
        assert redraft.media_attachments[0].id == media.id and redraft.id != pictured.id

        assert bea.status_unreblog(warned).reblogged is False
        assert bea.status_unfavourite(warned).favourites_count == 0

    await asyncio.to_thread(scenario)


async def test_mastodon_py_reads_a_markdown_post_in_two_languages_with_emoji_and_a_photo(
        node: AmityNode) -> None:
    """The content issue's post through the client API: Markdown, a mention, a hashtag, a custom
    emoji, a content warning, two language versions (Amity's `content_map` extension) and a photo
    with alt text; each field as Mastodon.py reads it, and the version follows the reader."""
    await node.create_user("bea")
    blobs = BlobStore(node.config.media_dir)
    await node.write(lambda s: emoji.add_local(s, blobs, base_url=node.base_url, shortcode="party",
                                               data=_png()))
    base = node.base_url

    def scenario() -> None:
        ana, bea = _signed_in(base, "ana"), _signed_in(base, "bea")
        photo = ana.media_post(_png(), mime_type="image/png", description="Children painting a mural")
        sent = requests.post(f"{base}/api/v1/statuses", timeout=10, json={
            "status": "**Mural day** with @bea! #Mural :party:", "content_type": "text/markdown",
            "language": "en", "content_map": {"pt": "**Dia do mural** com @bea! #Mural :party:"},
            "spoiler_text": "Photos of the mural", "media_ids": [photo.id]},
            headers={"Authorization": f"Bearer {ana.access_token}"})
        assert sent.status_code == 200, sent.text
        post = bea.status(sent.json()["id"])
        assert post.language == "en" and post.content.startswith("<p><strong>Mural day</strong> with ")
        assert post.spoiler_text == "Photos of the mural" and post.sensitive is True
        assert [m.acct for m in post.mentions] == ["bea"] and [t.name for t in post.tags] == ["mural"]
        assert [e.shortcode for e in post.emojis] == ["party"] and post.emojis[0].url.startswith(base)
        [attached] = post.media_attachments
        assert attached.type == "image" and attached.description == "Children painting a mural"
        in_portuguese = requests.get(f"{base}/api/v1/statuses/{post.id}", timeout=10,
                                     headers={"Accept-Language": "pt-BR, pt;q=0.9"}).json()
        assert in_portuguese["language"] == "pt"
        assert in_portuguese["content"].startswith("<p><strong>Dia do mural</strong> com ")

    await asyncio.to_thread(scenario)
