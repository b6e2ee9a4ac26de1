"""Instance settings: what admins change while the node runs, kept in the database.

This table of definitions is the one place that names every setting, its type, its default
and what it does; `docs/operator-guide.md` shows it and a test keeps the two in step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.settings import InstanceSetting


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


def _whole(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise SettingError(f"must be a whole number from {low} to {high}") from None
        if not low <= value <= high:
            raise SettingError(f"must be a whole number from {low} to {high}")
        return value
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


DEFINITIONS: dict[str, Setting] = {s.key: s for s in (
    Setting("title", "Amity", "Name of the node, shown in apps and pages.", _text(100)),
    Setting("short_description", "", "One-line summary for apps and the about page.", _text(500)),
    Setting("description", "", "Longer text for the about page (plain text or Markdown).",
            _text(10_000)),
    Setting("contact_email", "", "Where people reach the admins.", _text(320)),
    Setting("languages", ["en"], "Languages the node's community uses (ISO 639-1 codes).",
            _string_list(8, lower=True)),
    Setting("rules", [], "Server rules, one per line or a JSON array.", _string_list(1000)),
    Setting("registration_mode", "approval", "Who may sign up: open, approval (an admin "
            "approves each account), invite (invite link needed) or closed.",
            _choice("open", "approval", "invite", "closed")),
    Setting("federation_mode", "open", "open: federate with every server not suspended; "
            "allowlist: only with partner domains.", _choice("open", "allowlist")),
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
    Setting("cache_remote_media", False, "Copy the images, audio and video of remote posts to this "
            "node (processed like uploads) instead of letting apps load them from their servers.", _bool),
    Setting("inbox_retention_days", 7, "Days the bodies of processed inbox activities are kept (for "
            "debugging and moderation) before a maintenance job deletes them.", _whole(1, 3650)),
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
