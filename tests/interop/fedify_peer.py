"""Start and drive the Fedify interop peer (`tests/interop/peer/peer.mjs`).

The peer is a real, independent ActivityPub server built on the npm package `@fedify/fedify`
1.5.9, with one actor, `alice`. It records every activity it receives and is driven through
plain-JSON control routes under `/_control/` (see `peer/README.md`).

    from tests.interop.fedify_peer import FedifyPeer

    async def test_something(fedify_peer: FedifyPeer) -> None:   # fixture from conftest.py
        await fedify_peer.follow("http://localhost:8080/users/bob")
        follow = await fedify_peer.wait_for_activity("Accept")

Starting and stopping the Node process: `peer_process.py`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Self

import aiohttp

from tests.interop.peer_process import READY_TIMEOUT, PeerError, PeerProcess, node_executable

CALL_TIMEOUT = 30.0  # one control call; deliveries inside it have Node's own fetch timeouts
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

Json = dict[str, Any]


class DeliveryFailed(PeerError):
    """The peer sent an activity but at least one inbox refused it or was unreachable."""

    def __init__(self, sent: Json) -> None:
        failed = [d for d in sent.get("deliveries", []) if not d.get("ok")]
        details = "; ".join(f"{d['inbox']}: {d.get('error')}" for d in failed)
        super().__init__(f"{sent.get('type')} {sent.get('id')} was not delivered: {details}")
        self.sent = sent


class FedifyPeer:
    """Async client for the peer's control routes, plus the URLs of its actor `alice`."""

    username = "alice"

    def __init__(self, process: PeerProcess, session: aiohttp.ClientSession, *,
                 owns_process: bool = False) -> None:
        self.process = process
        self._session = session
        self._owns_process = owns_process

    @classmethod
    async def connect(cls, process: PeerProcess) -> FedifyPeer:
        """A client for an already running peer (the process stays running on close)."""
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CALL_TIMEOUT))
        return cls(process, session)

    @classmethod
    async def start(cls, *, ready_timeout: float = READY_TIMEOUT, env: Mapping[str, str] | None = None,
                    rsa_bits: int = 2048) -> FedifyPeer:
        """Start a new peer process owned by the returned client (stopped by `close`)."""
        node_executable()  # skip or fail here, not inside the worker thread
        process = await asyncio.to_thread(
            PeerProcess.start, timeout=ready_timeout, env=env, rsa_bits=rsa_bits
        )
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CALL_TIMEOUT))
        return cls(process, session, owns_process=True)

    async def close(self) -> None:
        await self._session.close()
        if self._owns_process:
            await asyncio.to_thread(self.process.stop)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    # -- alice's addresses -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.process.base_url

    @property
    def domain(self) -> str:
        return f"localhost:{self.process.port}"

    @property
    def actor_url(self) -> str:
        return f"{self.base_url}/users/{self.username}"

    @property
    def key_id(self) -> str:
        return f"{self.actor_url}#main-key"

    @property
    def inbox_url(self) -> str:
        return f"{self.actor_url}/inbox"

    @property
    def shared_inbox_url(self) -> str:
        return f"{self.base_url}/inbox"

    @property
    def outbox_url(self) -> str:
        return f"{self.actor_url}/outbox"

    @property
    def followers_url(self) -> str:
        return f"{self.actor_url}/followers"

    @property
    def handle(self) -> str:
        """`alice@localhost:PORT`, for WebFinger (`acct:` + handle)."""
        return f"{self.username}@{self.domain}"

    # -- control routes ----------------------------------------------------------------------

    async def _call(self, method: str, route: str, payload: Json | None = None) -> Any:
        url = f"{self.base_url}/_control/{route}"
        async with self._session.request(method, url, json=payload) as resp:
            body = await resp.json(content_type=None)
            if resp.status != 200:
                error = body.get("error") if isinstance(body, dict) else body
                raise PeerError(f"{method} /_control/{route} answered {resp.status}: {error}")
            return body

    async def _send(self, route: str, payload: Json, check: bool) -> Json:
        sent: Json = await self._call("POST", route, payload)
        if check and not sent.get("ok", True):
            raise DeliveryFailed(sent)
        return sent

    async def log(self) -> list[Json]:
        """Every activity alice received, oldest first.

        Each entry: seq, received_at, type, id, actor, object (id), object_type, signer (keyId of
        the HTTP signature), ld_signature, proof (bools), recipient ("alice" or None for the
        shared inbox), path, headers, activity (Fedify's JSON-LD), raw (the body as received),
        reply (for a Follow: the Accept/Reject sent back, with its deliveries), error, and for a
        Create or Update of a Note `object_fields`: what Fedify's model read from it (contents and
        summaries with their languages, sensitive, tags with type/name/href/id and an Emoji's
        icon_url, icon_media_type, updated).
        """
        entries: list[Json] = await self._call("GET", "log")
        return entries

    async def sent(self) -> list[Json]:
        """Every activity alice sent: id, type, activity, deliveries, ok."""
        entries: list[Json] = await self._call("GET", "sent")
        return entries

    async def state(self) -> Json:
        """followers, following (with pending/accepted/rejected), notes, name, config."""
        result: Json = await self._call("GET", "state")
        return result

    async def fedify_log(self) -> list[str]:
        """Fedify's own log lines (debug and up) since the last reset: why a request got 401, etc."""
        lines: list[str] = await self._call("GET", "fedify-log")
        return lines

    async def reset(self) -> None:
        """Forget received/sent activities, followers, notes, caches and settings (keys stay)."""
        await self._call("POST", "reset", {})

    async def configure(self, *, auto_accept: str | None = None, signed_fetch: bool | None = None) -> Json:
        """auto_accept: "accept" (default), "reject" or "none" for incoming Follows;
        signed_fetch: sign the GETs alice makes to resolve actors and objects."""
        settings: Json = {}
        if auto_accept is not None:
            settings["auto_accept"] = auto_accept
        if signed_fetch is not None:
            settings["signed_fetch"] = signed_fetch
        result: Json = await self._call("POST", "config", settings)
        return result

    async def follow(self, target: str, *, check: bool = True) -> Json:
        """Send Follow(target) to the target's inbox. `target`: actor URL or user@host handle."""
        return await self._send("follow", {"target": target}, check)

    async def unfollow(self, target: str, *, check: bool = True) -> Json:
        """Send Undo(Follow) for alice's follow of `target`."""
        return await self._send("unfollow", {"target": target}, check)

    async def post(self, content: str, *, to: list[str] | None = None, cc: list[str] | None = None,
                   in_reply_to: str | None = None, mentions: list[str] | None = None,
                   summary: str | None = None, shared_inbox: bool = True, check: bool = True,
                   poll: Json | None = None,
                   content_map: dict[str, str] | None = None, summary_map: dict[str, str] | None = None,
                   hashtags: list[Json] | None = None, emojis: list[Json] | None = None) -> Json:
        """Send Create(Note). Default audience: to Public, cc alice's followers. "public" and
        "followers" are accepted as shorthands; the followers collection is delivered to the
        recorded followers; mentioned actors are tagged and added to cc. `content_map`/`summary_map`
        ({language: text}) become contentMap/summaryMap; `hashtags` ({name, href}) and `emojis`
        ({id, name, url, mediaType, updated}) become Hashtag and Emoji tags. With `poll`
        ({"options": [...], "multiple": bool, "end_time": ISO}) it is a Question. Answer has `note_id`."""
        payload: Json = {"content": content, "shared_inbox": shared_inbox}
        if poll is not None:
            payload["poll"] = poll
        if to is not None:
            payload["to"] = to
        if cc is not None:
            payload["cc"] = cc
        if in_reply_to is not None:
            payload["inReplyTo"] = in_reply_to
        if mentions:
            payload["mentions"] = mentions
        if summary is not None:
            payload["summary"] = summary
        for key, value in (("contentMap", content_map), ("summaryMap", summary_map), ("hashtags", hashtags),
                           ("emojis", emojis)):
            if value is not None:
                payload[key] = value
        return await self._send("post", payload, check)

    async def vote(self, question_url: str, choices: list[str], *, check: bool = True) -> Json:
        """Vote as Mastodon does: one Create(Note{name, inReplyTo}) per choice, to the author's inbox."""
        return await self._send("vote", {"question": question_url, "choices": choices}, check)

    async def like(self, object_url: str, *, to: list[str] | None = None, check: bool = True) -> Json:
        """Send Like(object) to `to`, or to the object's author (fetched from `object_url`)."""
        payload: Json = {"object": object_url}
        if to is not None:
            payload["to"] = to
        return await self._send("like", payload, check)

    async def announce(self, object_url: str, *, to: list[str] | None = None, check: bool = True) -> Json:
        """Send Announce(object) to alice's followers and to `to` or else the object's author."""
        payload: Json = {"object": object_url}
        if to is not None:
            payload["to"] = to
        return await self._send("announce", payload, check)

    async def undo(self, activity_id: str, *, check: bool = True) -> Json:
        """Send Undo of an activity alice sent earlier (Like, Announce, Follow) to its recipients."""
        return await self._send("undo", {"activity": activity_id}, check)

    async def delete(self, note_id: str, *, check: bool = True) -> Json:
        """Send Delete(Tombstone) for a note alice posted, to its recipients and her followers."""
        return await self._send("delete", {"object": note_id}, check)

    async def update_profile(self, name: str, *, to: list[str] | None = None, check: bool = True) -> Json:
        """Rename alice and send Update(Person) to her followers (and `to`)."""
        payload: Json = {"name": name}
        if to is not None:
            payload["to"] = to
        return await self._send("update-profile", payload, check)

    async def fetch(self, url: str, *, signed: bool = False, accept: str | None = None) -> Json:
        """GET `url` from the peer, signed with alice's key or not: {status, content_type,
        location, body} (body parsed as JSON when it is JSON)."""
        payload: Json = {"url": url, "signed": signed}
        if accept is not None:
            payload["accept"] = accept
        result: Json = await self._call("POST", "fetch", payload)
        return result

    async def wait_for_activity(self, type_: str | None = None, *,
                                predicate: Callable[[Json], bool] | None = None,
                                seconds: float = 5.0) -> Json:
        """The first logged activity of `type_` matching `predicate`, polling up to `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            for entry in await self.log():
                if (type_ is None or entry["type"] == type_) and (predicate is None or predicate(entry)):
                    return entry
            if time.monotonic() >= deadline:
                raise TimeoutError(f"the Fedify peer received no {type_ or 'activity'} within {seconds} s")
            await asyncio.sleep(0.05)
