"""OAuth scopes as Mastodon defines them: top-level scopes that grant their granular forms.

`read` grants every `read:*`, `write` every `write:*`, the deprecated `follow` the block,
follow and mute scopes, `admin:read`/`admin:write` their `admin:…:*` forms. `profile` grants
only `GET /api/v1/accounts/verify_credentials`; `push` the push API.
"""

from __future__ import annotations

import functools

from storage.errors import Invalid

READ = tuple(f"read:{n}" for n in ("accounts", "blocks", "bookmarks", "favourites", "filters", "follows",
                                   "lists", "mutes", "notifications", "search", "statuses"))
WRITE = tuple(f"write:{n}" for n in ("accounts", "blocks", "bookmarks", "conversations", "favourites",
                                     "filters", "follows", "lists", "media", "mutes", "notifications",
                                     "reports", "statuses"))
FOLLOW = ("read:blocks", "read:follows", "read:mutes", "write:blocks", "write:follows", "write:mutes")
_ADMIN_KINDS = ("accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks", "email_domain_blocks",
                "canonical_email_blocks")
ADMIN_READ = tuple(f"admin:read:{n}" for n in _ADMIN_KINDS)
ADMIN_WRITE = tuple(f"admin:write:{n}" for n in _ADMIN_KINDS)

GRANTS: dict[str, tuple[str, ...]] = {
    "read": READ, "write": WRITE, "follow": FOLLOW, "push": (), "profile": (),
    "admin:read": ADMIN_READ, "admin:write": ADMIN_WRITE,
}
ALL_SCOPES: tuple[str, ...] = (*GRANTS, *READ, *WRITE, *ADMIN_READ, *ADMIN_WRITE)
DEFAULT_SCOPES = ("read",)
MAX_SCOPES_CHARS = 1024

# What the consent page says each scope lets the app do.
DESCRIPTIONS = {
    "read": "read your account's data: posts, timelines, follows, notifications, lists",
    "write": "post, edit and delete for you, change your profile, follow, favourite, boost",
    "follow": "see and change whom you follow, block and mute",
    "push": "send you push notifications",
    "profile": "see your profile only",
    "admin:read": "read moderation data (reports, accounts, domain rules)",
    "admin:write": "take moderation actions",
}


def parse(text: str | None, *, default: tuple[str, ...] = DEFAULT_SCOPES) -> tuple[str, ...]:
    """Space- or plus-separated scopes, deduplicated in order; unknown ones are refused."""
    if text is not None and len(text) > MAX_SCOPES_CHARS:
        raise Invalid("scopes are too long")
    words = tuple(dict.fromkeys((text or "").replace("+", " ").split()))
    if not words:
        return default
    unknown = [w for w in words if w not in ALL_SCOPES]
    if unknown:
        raise Invalid(f"unknown scope {unknown[0]!r}; known scopes: read, write, follow, push, profile, "
                      "admin:read, admin:write and their granular forms such as read:statuses")
    return words


@functools.lru_cache(maxsize=1024)  # a token's scope string is checked on every request
def expand(scopes: str) -> frozenset[str]:
    """Every scope a space-separated scope string grants, granular forms included."""
    granted: set[str] = set()
    for scope in scopes.split():
        granted.add(scope)
        granted.update(GRANTS.get(scope, ()))
    return frozenset(granted)


def allows(granted: str, *needed: str) -> bool:
    """True when the granted scopes include any one of `needed` (as Doorkeeper's `acceptable?`)."""
    have = expand(granted)
    return any(scope in have for scope in needed)


def within(requested: tuple[str, ...], registered: str) -> bool:
    """An authorization may ask only for scopes the app registered (or their granular forms)."""
    have = expand(registered)
    return all(scope in have for scope in requested)
