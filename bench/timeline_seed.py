"""The home-timeline benchmark's database: accounts, statuses and their parts, seeded in bulk.

Rows are generated in chunks (deterministic: a seeded `random.Random`) and written with
SQLAlchemy Core `insert(table)` executemany calls, one transaction per chunk; on SQLite the
seed runs with `PRAGMA synchronous=OFF` (the seed only: the server opens its own connections
with the node's pragmas). Status ids are time-ordered like `storage.models.base` ids, spread over the
past months, so paging by `max_id` works as on a real node.

What is in it (full scale; `--quick` divides):
- 10,000 accounts: 8,900 remote on 200 domains, 1,100 local (with users): VIEWERS viewers,
  one poster and 1,000 local followers of the poster;
- 1,000,000 statuses by every account but the viewers and the poster: 10 % boosts, 15 %
  replies, 15 % with 1 to 3 media attachments, 1 % with a poll, 10 % with hashtags, 10 % with a
  mention; random reply, boost and favourite counts;
- each viewer follows FOLLOWEES accounts and has the home-feed rows fan-out would have written
  (every status of those accounts), favourites and bookmarks on some of them;
- each viewer and the poster has a bearer token (`read write`).
"""

from __future__ import annotations

import hashlib
import random
import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from bench.bulk_rows import Writer
from federation.httpsig.keys import generate_rsa_keypair
from storage import migrate
from storage.db import create_engine
from storage.models import (
    ACCEPTED,
    Actor,
    Base,
    Bookmark,
    Favourite,
    Follow,
    MediaAttachment,
    Mention,
    OAuthAccessToken,
    OAuthApplication,
    Poll,
    Status,
    StatusTag,
    Tag,
    TimelineEntry,
    User,
)
from storage.models.base import EPOCH_MS
from ui.oauth.store import digest

NODE_DOMAIN = "amity.bench"
BASE = f"https://{NODE_DOMAIN}"
VIEWERS = 4
FOLLOWEES = 300
LOCAL_FOLLOWERS = 1_000
REMOTE_DOMAINS = 200
TAGS = 100
CHUNK = 20_000
SPACING_MS = 10_000  # between consecutive statuses: 1,000,000 statuses span ~4 months

WORDS = ("library", "community", "centre", "class", "reading", "garden", "workshop", "music", "volunteer",
         "evening", "children", "science", "river", "walk", "poster", "meeting", "coffee", "bread", "story",
         "quiet", "window", "autumn")


@dataclass(frozen=True)
class Scale:
    accounts: int
    statuses: int


FULL = Scale(accounts=10_000, statuses=1_000_000)
QUICK = Scale(accounts=2_000, statuses=50_000)


@dataclass
class Seeded:
    """What the benchmark needs to know about the seeded database."""

    viewer_tokens: list[str]
    viewer_page_ids: list[list[int]]  # per viewer: its home statuses' ids, newest first (page cursors)
    poster_token: str
    poster_id: int
    local_followers: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def progress(message: str) -> None:
    print(f"bench.timeline: {message}", file=sys.stderr, flush=True)


SEED_VERSION = 2  # bump when the seeded rows change


def schema_hash() -> str:
    """Changes whenever a table or column (or the seed) does: keys a cached seeded SQLite file."""
    shape = str(SEED_VERSION) + repr(sorted((t.name, [(c.name, str(c.type)) for c in t.columns])
                        for t in Base.metadata.tables.values()))
    return hashlib.sha256(shape.encode()).hexdigest()[:16]


def _status_id(index: int, start_ms: int) -> int:
    return ((start_ms + index * SPACING_MS) << 21) | (index & 0x7FF)


def _content(rng: random.Random, n: int) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 55)))
    return f"<p>Post {n}: {words}.</p><p>{' '.join(rng.choice(WORDS) for _ in range(8))}</p>"


class Seeder:
    def __init__(self, scale: Scale, seed: int = 1) -> None:
        self.scale, self.rng = scale, random.Random(seed)
        self.now = datetime.now(UTC)
        self.start = self.now - timedelta(milliseconds=scale.statuses * SPACING_MS + 60_000)
        self.start_ms = int(self.start.timestamp() * 1000) - EPOCH_MS
        self.actor_ids: list[int] = []
        self.actor_uris: list[str] = []
        self.actor_names: list[tuple[str, str | None]] = []
        self.viewers: list[int] = []  # indexes into actor_ids
        self.poster = 0
        self.authors: list[int] = []  # indexes that write statuses
        self.tag_ids: list[int] = []
        self.status_author: list[int] = []  # per status index: author index
        self.is_boost = bytearray()

    def _actor_id(self, index: int) -> int:
        return ((self.start_ms - 86_400_000) << 21) | index  # before every status, unique

    def accounts(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        n = self.scale.accounts
        local = VIEWERS + 1 + min(LOCAL_FOLLOWERS, n // 10)
        actors, users = [], []
        private_pem, public_pem = generate_rsa_keypair()  # one pair for every local account: they post
        for i in range(n):
            actor_id = self._actor_id(i)
            if i < local:
                username, domain = f"member{i}", None
                uri = f"{BASE}/users/{username}"
                url = f"{BASE}/@{username}"
            else:
                username, domain = f"user{i}", f"social{i % REMOTE_DOMAINS}.example"
                uri = f"https://{domain}/users/{username}"
                url = f"https://{domain}/@{username}"
            self.actor_ids.append(actor_id)
            self.actor_uris.append(uri)
            self.actor_names.append((username, domain))
            actors.append({
                "id": actor_id, "username": username, "domain": domain, "uri": uri, "url": url,
                "display_name": f"Person {i}",
                "note": f"<p>Hello, I am person {i} and I like {WORDS[i % 20]}.</p>",
                "inbox_url": f"{uri}/inbox", "followers_url": f"{uri}/followers",
                "shared_inbox_url": None if domain is None else f"https://{domain}/inbox",
                "avatar_url": None if domain is None else f"https://{domain}/avatars/{i}.png",
                "fields": [{"name": "Website", "value": f"https://example.org/{i}"}], "also_known_as": [],
                "key_id": f"{uri}#main-key", "created_at": self.start, "updated_at": self.start,
                "public_key_pem": public_pem, "private_key_pem": private_pem if domain is None else None,
            })
            if domain is None:
                users.append({"id": actor_id, "actor_id": actor_id, "email": f"{username}@{NODE_DOMAIN}",
                              "password_hash": "!bench", "created_at": self.start,
                              "confirmed_at": self.start})
        self.viewers = list(range(VIEWERS))
        self.poster = VIEWERS
        self.local_followers = list(range(VIEWERS + 1, local))
        self.authors = list(range(VIEWERS + 1, n))
        return actors, users

    def follows(self) -> tuple[list[dict[str, Any]], list[set[int]]]:
        rows, followees = [], []
        n = 0

        def follow(a: int, b: int) -> None:
            nonlocal n
            n += 1
            rows.append({"id": self._actor_id(self.scale.accounts) + n, "follower_id": self.actor_ids[a],
                         "followee_id": self.actor_ids[b], "uri": f"{self.actor_uris[a]}/follows/{n}",
                         "state": ACCEPTED, "created_at": self.start})

        for v in self.viewers:
            chosen = set(self.rng.sample(self.authors, min(FOLLOWEES, len(self.authors))))
            followees.append(chosen)
            for b in sorted(chosen):
                follow(v, b)
        for f in self.local_followers:
            follow(f, self.poster)
            for b in self.rng.sample(self.authors, 20):
                if b != f:
                    follow(f, b)
        return rows, followees

    def tags(self) -> list[dict[str, Any]]:
        self.tag_ids = [self._actor_id(self.scale.accounts) + 10_000_000 + i for i in range(TAGS)]
        return [{"id": tag_id, "name": f"topic{i}", "display_name": f"Topic{i}", "created_at": self.start}
                for i, tag_id in enumerate(self.tag_ids)]

    def status_chunks(self, followees: list[set[int]]) -> Iterator[dict[str, list[dict[str, Any]]]]:
        """Statuses and their parts, CHUNK statuses at a time, oldest first."""
        rng = self.rng
        extra = 0
        for chunk_start in range(0, self.scale.statuses, CHUNK):
            out: dict[str, list[dict[str, Any]]] = {k: [] for k in (
                "statuses", "media", "polls", "tags", "mentions", "home", "favourites", "bookmarks")}
            for i in range(chunk_start, min(chunk_start + CHUNK, self.scale.statuses)):
                author = rng.choice(self.authors)
                self.status_author.append(author)
                status_id = _status_id(i, self.start_ms)
                published = self.start + timedelta(milliseconds=i * SPACING_MS)
                domain = self.actor_names[author][1]
                uri = f"{self.actor_uris[author]}/statuses/{status_id}"
                row: dict[str, Any] = {
                    "id": status_id, "uri": uri, "url": uri.replace("/users/", "/@"),
                    "actor_id": self.actor_ids[author], "local": domain is None, "published_at": published,
                    "visibility": "public" if rng.random() < 0.85 else "unlisted", "language": "en",
                    "content": "", "replies_count": 0, "reblogs_count": 0, "favourites_count": 0,
                    "reblog_of_id": None, "in_reply_to_id": None, "in_reply_to_uri": None,
                }
                roll = rng.random()
                earlier = rng.randrange(i) if i else None
                if roll < 0.10 and earlier is not None and not self.is_boost[earlier]:
                    row["reblog_of_id"] = _status_id(earlier, self.start_ms)
                    row["uri"] = f"{uri}/activity"
                    self.is_boost.append(1)
                else:
                    self.is_boost.append(0)
                    row["content"] = _content(rng, i)
                    row["replies_count"] = int(rng.expovariate(0.5))
                    row["reblogs_count"] = int(rng.expovariate(0.2))
                    row["favourites_count"] = int(rng.expovariate(0.1))
                    if roll < 0.25 and earlier is not None and not self.is_boost[earlier]:
                        row["in_reply_to_id"] = _status_id(earlier, self.start_ms)
                        row["in_reply_to_uri"] = f"{self.actor_uris[self.status_author[earlier]]}/statuses/" \
                                                 f"{row['in_reply_to_id']}"
                    self._parts(rng, i, status_id, author, out)
                out["statuses"].append(row)
                for v, chosen in enumerate(followees):
                    if author in chosen:
                        extra += 1
                        viewer_id = self.actor_ids[self.viewers[v]]
                        out["home"].append({"id": status_id + v + 1, "owner_id": viewer_id,
                                            "status_id": status_id})
                        if rng.random() < 0.02:
                            out["favourites"].append({"id": status_id + v + 1, "actor_id": viewer_id,
                                                      "status_id": status_id, "created_at": published,
                                                      "uri": f"{BASE}/likes/{status_id}/{v}"})
                        if rng.random() < 0.01:
                            out["bookmarks"].append({"id": status_id + v + 1, "actor_id": viewer_id,
                                                     "status_id": status_id, "created_at": published})
            yield out

    def _parts(self, rng: random.Random, i: int, status_id: int, author: int,
               out: dict[str, list[dict[str, Any]]]) -> None:
        roll = rng.random()
        if roll < 0.15:
            for position in range(rng.randint(1, 3)):
                width, height = rng.choice(((1600, 1200), (1080, 1350), (1920, 1080)))
                out["media"].append({
                    "id": status_id + position + 1, "actor_id": self.actor_ids[author],
                    "status_id": status_id,
                    "position": position, "type": "image", "content_type": "image/jpeg",
                    "remote_url": f"https://files.example/media/{status_id}/{position}.jpg",
                    "meta": {"original": {"width": width, "height": height, "size": f"{width}x{height}",
                                          "aspect": round(width / height, 3)},
                             "small": {"width": 640, "height": round(640 * height / width)}},
                    "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
                    "description": f"Photo {position} of post {i}",
                    "processing": "ready", "created_at": self.start, "updated_at": self.start})
        if rng.random() < 0.01:
            out["polls"].append({"id": status_id + 7, "status_id": status_id, "multiple": False,
                                 "options": [{"title": t, "votes": rng.randint(0, 40)}
                                             for t in ("Yes", "No", "Maybe")],
                                 "expires_at": self.now + timedelta(days=3), "voters_count": 30,
                                 "votes_count": 30,
                                 "updated_at": self.start})
        if rng.random() < 0.10:
            for tag_id in set(rng.sample(self.tag_ids, rng.randint(1, 2))):
                out["tags"].append({"status_id": status_id, "tag_id": tag_id})
        if rng.random() < 0.10:
            out["mentions"].append({"id": status_id + 8, "status_id": status_id,
                                    "actor_id": self.actor_ids[rng.choice(self.authors)]})


async def _tokens(writer: Writer, seeder: Seeder) -> tuple[list[str], str]:
    app_id = seeder._actor_id(seeder.scale.accounts) + 20_000_000
    await writer.rows(OAuthApplication, [{"id": app_id, "client_id": secrets.token_urlsafe(16),
                                          "client_secret_hash": digest("bench"), "name": "bench",
                                          "redirect_uris": ["urn:ietf:wg:oauth:2.0:oob"],
                                          "scopes": "read write"}])
    values = [secrets.token_urlsafe(32) for _ in range(VIEWERS + 1)]
    owners = [*seeder.viewers, seeder.poster]
    now = datetime.now(UTC)
    await writer.rows(OAuthAccessToken, [
        {"id": app_id + 1 + k, "token_hash": digest(value), "application_id": app_id,
         "user_id": seeder.actor_ids[owner], "scopes": "read write", "last_used_at": now + timedelta(days=1)}
        for k, (value, owner) in enumerate(zip(values, owners, strict=True))])
    return values[:VIEWERS], values[VIEWERS]


async def seed(url: str, scale: Scale) -> Seeded:
    """Migrate a fresh database at `url` and fill it."""
    started = time.perf_counter()
    engine = create_engine(url)
    seeder = Seeder(scale)
    home: list[list[int]] = [[] for _ in range(VIEWERS)]
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                await conn.execute(text("PRAGMA synchronous=OFF"))
                await conn.commit()
            writer = Writer(conn)
            await writer.start()
            actors, users = seeder.accounts()
            await writer.rows(Actor, actors)
            await writer.rows(User, users)
            follows, followees = seeder.follows()
            await writer.rows(Follow, follows)
            await writer.rows(Tag, seeder.tags())
            await conn.commit()
            progress(f"seed: {len(actors)} accounts, {len(follows)} follows")
            for n, chunk in enumerate(seeder.status_chunks(followees), 1):
                await writer.rows(Status, chunk["statuses"])
                await writer.rows(MediaAttachment, chunk["media"])
                await writer.rows(Poll, chunk["polls"])
                await writer.rows(StatusTag, chunk["tags"])
                await writer.rows(Mention, chunk["mentions"])
                await writer.rows(TimelineEntry, chunk["home"])
                await writer.rows(Favourite, chunk["favourites"])
                await writer.rows(Bookmark, chunk["bookmarks"])
                await conn.commit()
                viewer_ids = [seeder.actor_ids[v] for v in seeder.viewers]
                for row in chunk["home"]:
                    home[viewer_ids.index(row["owner_id"])].append(row["status_id"])
                done = min(n * CHUNK, scale.statuses)
                if n % 5 == 0 or done == scale.statuses:
                    progress(f"seed: {done:,} / {scale.statuses:,} statuses "
                              f"({time.perf_counter() - started:.0f} s)")
            viewer_tokens, poster_token = await _tokens(writer, seeder)
            await conn.commit()
            await conn.execute(text("ANALYZE"))  # the planner's statistics, as after a long life
            await conn.commit()
    finally:
        await engine.dispose()
    seconds = time.perf_counter() - started
    progress(f"seed: done in {seconds:.0f} s")
    return Seeded(viewer_tokens=viewer_tokens, viewer_page_ids=[sorted(h, reverse=True) for h in home],
                  poster_token=poster_token, poster_id=seeder.actor_ids[seeder.poster],
                  local_followers=len(seeder.local_followers), counts=writer.counts,
                  seconds=round(seconds, 1))
