"""Instance settings: what admins change while the node runs, kept in the database.

This table of definitions is the one place that names every setting, its type, its default
and what it does; `docs/operator-guide.md` shows it and a test keeps the two in step.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models.settings import InstanceSetting
from storage.ttl_cache import TtlCache


class SettingError(Exception):
    """An unknown setting or a value it does not accept; the message says what would be."""


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    help: str
    parse: Callable[[str], Any]


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in allowed:
            raise SettingError(f"must be one of: {', '.join(allowed)}")
        return text
    return parse


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SettingError("must be true or false")


def _text(limit: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) > limit:
            raise SettingError(f"must be at most {limit} characters")
        return text
    return parse


def _whole_number(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.strip().isdigit() or not low <= int(text) <= high:
            raise SettingError(f"must be a whole number from {low} to {high}")
        return int(text)
    return parse


def _language(text: str) -> str:
    code = text.strip().lower()
    if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})*", code):
        raise SettingError("must be a language code such as en, pt or pt-br")
    return code


def _url_or_empty(text: str) -> str:
    value = text.strip()
    if value and not re.fullmatch(r"https?://[^\s]+", value):
        raise SettingError("must be an http(s) URL, or empty to turn it off")
    return value.rstrip("/")


def _string_list(item_limit: int, *, lower: bool = False) -> Callable[[str], list[str]]:
    """A JSON array of strings, or one value per line / comma-separated."""
    def parse(text: str) -> list[str]:
        stripped = text.strip()
        if stripped.startswith("["):
            try:
                items = json.loads(stripped)
            except json.JSONDecodeError as exc:
                raise SettingError(f"is not a JSON array ({exc.msg})") from None
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise SettingError("must be a JSON array of strings")
        else:
            sep = "\n" if "\n" in stripped else ","
            items = [i.strip() for i in stripped.split(sep) if i.strip()]
        if any(len(i) > item_limit for i in items):
            raise SettingError(f"each entry must be at most {item_limit} characters")
        return [i.lower() for i in items] if lower else items
    return parse


@dataclass(frozen=True)
class Rate:
    """A rate limit: at most `count` requests per `period` seconds (a fixed window)."""

    count: int
    period: int


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"(\d{1,9})\s*/\s*(\d{1,6})?\s*([smhd])")


def parse_rate(text: str) -> Rate | None:
    """`300/5m` (also s, h, d; `10/90s`), or `off` (no limit, None)."""
    value = text.strip().lower()
    if value == "off":
        return None
    found = _RATE.fullmatch(value)
    if found is None or int(found.group(1)) < 1 or found.group(2) == "0":
        raise SettingError("must be a count per period such as 300/5m (s, m, h or d), or off")
    return Rate(int(found.group(1)), int(found.group(2) or 1) * _UNITS[found.group(3)])


def _rate(text: str) -> str:
    parse_rate(text)
    return re.sub(r"\s+", "", text.strip().lower())


def _limit(key: str, default: str, what: str) -> Setting:
    return Setting(f"rate_limit_{key}", default, f"Rate limit: {what}, as count/period "
                   "(e.g. 300/5m; s, m, h, d) or off. Over it, requests get 429 with Retry-After.", _rate)


DEFINITIONS: dict[str, Setting] = {s.key: s for s in (
    Setting("title", "Amity", "Name of the node, shown in apps and pages.", _text(100)),
    Setting("short_description", "", "One-line summary for apps and the about page.", _text(500)),
    Setting("description", "", "Longer text for the about page (plain text or Markdown).",
            _text(10_000)),
    Setting("contact_email", "", "Where people reach the admins.", _text(320)),
    Setting("privacy_policy", "", "The privacy policy apps and pages show (Markdown); empty: Amity's "
            "short default.", _text(100_000)),
    Setting("terms_of_service", "", "Terms of service (Markdown), effective from the day they are set; "
            "empty: none (apps are told so).", _text(100_000)),
    Setting("languages", ["en"], "Languages the node's community uses (ISO 639-1 codes).",
            _string_list(8, lower=True)),
    Setting("rules", [], "Server rules, one per line or a JSON array.", _string_list(1000)),
    Setting("registration_mode", "approval", "Who may sign up: open, approval (an admin "
            "approves each account), invite (invite link needed) or closed.",
            _choice("open", "approval", "invite", "closed")),
    Setting("federation_mode", "open", "open: federate with every server not suspended; "
            "allowlist: only with partner domains.", _choice("open", "allowlist")),
    Setting("domain_blocks_visibility", "public", "Who sees the servers this node limits or "
            "suspends, with their public reasons (GET /api/v1/instance/domain_blocks): public, "
            "members, or hidden.", _choice("public", "members", "hidden")),
    Setting("authorized_fetch", False, "Require HTTP signatures on ActivityPub GETs "
            "(the actor document stays public for key fetches).", _bool),
    Setting("oauth_password_grant", True, "Allow the OAuth password grant (apps send the e-mail "
            "or username and password instead of opening the sign-in page; toot's login_cli and some "
            "bots need it).", _bool),
    Setting("default_language", "en", "Language of posts whose author chose none (ISO 639-1 "
            "code); members may set their own.", _language),
    Setting("translation_url", "", "A LibreTranslate-compatible server for machine translation "
            "of posts (e.g. https://translate.example.org); empty turns translation off. Its API "
            "key, if any, goes in the node config as translation_api_key.", _url_or_empty),
    Setting("require_alt_text", False, "Refuse posts with an attachment (image, video, audio) that "
            "has no description.", _bool),
    Setting("outbox_retention_days", 14, "Days a sent activity's delivered copy is kept (at least 4: "
            "deliveries retry for 3). Older copies are pruned; what /activities/{id} needs stays.",
            _whole_number(4, 3650)),
    Setting("cache_remote_media", False, "Copy the images, audio and video of remote posts to this "
            "node (processed like uploads) instead of letting apps load them from their servers.", _bool),
    _limit("inbox_host", "3000/5m", "inbox POSTs per signing key's server (checked before the "
           "signature)"),
    _limit("inbox_ip", "6000/5m", "inbox POSTs per client IP address"),
    _limit("sign_up_ip", "5/30m", "accounts made by sign-up (API and page) per IP address"),
    _limit("sign_up_attempts_ip", "25/5m", "sign-up attempts (API and page) per IP address"),
    _limit("sign_in_ip", "25/5m", "sign-in attempts (page and OAuth password grant) per IP address"),
    _limit("sign_in_account", "25/1h", "sign-in attempts per e-mail address or username, from "
           "anywhere"),
    _limit("mail_address", "5/30m", "confirmation and password-reset e-mails per address"),
    _limit("mail_ip", "25/5m", "password-reset requests per IP address"),
    _limit("statuses", "300/3h", "statuses posted per access token"),
    _limit("media", "30/30m", "media uploads per access token"),
    _limit("search", "300/5m", "searches per access token"),
    _limit("resolve", "30/5m", "searches with resolve=true (which fetch from other servers) per access "
           "token"),
    _limit("api_ip", "1500/5m", "posting, uploads and searches together, per IP address"),
    _limit("api_anonymous", "60/5m", "searches without an access token, per IP address"),
    # discovery (issue 13)
    Setting("trends_enabled", True, "Show trending hashtags, posts and links, computed on this node "
            "from public posts of accounts that opted into discovery.", _bool),
    Setting("trends_min_accounts", 3, "How many distinct accounts must use a hashtag or share a link "
            "in the last day (or favourite and boost a post) before it trends.", _whole_number(1, 10_000)),
    Setting("inbox_retention_days", 7, "Days the bodies of processed inbox activities are kept (for "
            "debugging and moderation) before a maintenance job deletes them.", _whole_number(1, 3650)),
)}


def definition(key: str) -> Setting:
    try:
        return DEFINITIONS[key]
    except KeyError:
        raise SettingError(
            f"unknown setting {key!r}; known: {', '.join(sorted(DEFINITIONS))}"
        ) from None


def parse_value(key: str, text: str) -> Any:
    setting = definition(key)
    try:
        return setting.parse(text)
    except SettingError as exc:
        raise SettingError(f"{key} {exc}") from None


async def get_all(session: AsyncSession) -> dict[str, Any]:
    """Every setting, stored values over defaults."""
    values = {key: s.default for key, s in DEFINITIONS.items()}
    rows = (await session.execute(select(InstanceSetting.key, InstanceSetting.value))).all()
    values.update({key: value for key, value in rows if key in DEFINITIONS})
    return values


async def get(session: AsyncSession, key: str) -> Any:
    setting = definition(key)
    row = await session.get(InstanceSetting, key)
    return setting.default if row is None else row.value


async def set_value(session: AsyncSession, key: str, value: Any) -> None:
    """Store an already-parsed value (the caller commits)."""
    definition(key)
    row = await session.get(InstanceSetting, key)
    if row is None:
        session.add(InstanceSetting(key=key, value=value))
    else:
        row.value = value


SETTING_TTL_SECONDS = 3.0  # how long a process trusts a setting it read (SettingCache)
_MISSING = object()


class SettingCache:
    """Instance settings read through a tiny per-process cache (a few seconds)."""

    def __init__(self, ttl: float = SETTING_TTL_SECONDS, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self._values: TtlCache[str, Any] = TtlCache(ttl, clock=clock)

    async def get(self, sessions: async_sessionmaker[AsyncSession], key: str) -> Any:
        hit = self._values.get(key, _MISSING)
        if hit is not _MISSING:
            return hit
        started = self._values.clock()
        async with sessions() as session:
            value = await get(session, key)
        self._values.put(key, value, at=started)
        return value

    def clear(self) -> None:
        """Forget every value: after this process changed a setting, it reads the new one."""
        self._values.clear()
