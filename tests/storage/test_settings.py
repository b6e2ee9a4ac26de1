"""Instance settings: defaults, parsing, storage shared by every process."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import settings
from storage.db import session_maker
from storage.settings import DEFINITIONS, SettingError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operator-guide.md"


async def test_defaults_until_set_then_the_stored_value(engine: AsyncEngine) -> None:
    async with session_maker(engine)() as session:
        assert await settings.get(session, "registration_mode") == "approval"
    async with session_maker(engine)() as session, session.begin():
        await settings.set_value(session, "registration_mode", settings.parse_value(
            "registration_mode", "open"))
        await settings.set_value(session, "rules", settings.parse_value("rules", "Be kind\nNo spam"))
    async with session_maker(engine)() as session:
        values = await settings.get_all(session)
    assert values["registration_mode"] == "open"
    assert values["rules"] == ["Be kind", "No spam"]
    assert values["require_alt_text"] is False


@pytest.mark.parametrize(("key", "text", "expected"), [
    ("oauth_password_grant", "off", False), ("authorized_fetch", "1", True),
    ("languages", '["EN", "pt"]', ["en", "pt"]), ("languages", "en, pt", ["en", "pt"]),
    ("federation_mode", "allowlist", "allowlist"),
])
def test_values_are_parsed_by_type(key: str, text: str, expected: object) -> None:
    assert settings.parse_value(key, text) == expected


@pytest.mark.parametrize(("key", "text", "message"), [
    ("registration_mode", "sometimes", "registration_mode must be one of: open, approval"),
    ("require_alt_text", "maybe", "require_alt_text must be true or false"),
    ("languages", "[1, 2]", "must be a JSON array of strings"),
    ("colour", "blue", "unknown setting 'colour'"),
])
def test_bad_values_are_refused_with_a_reason(key: str, text: str, message: str) -> None:
    with pytest.raises(SettingError, match=re.escape(message)):
        settings.parse_value(key, text)


def test_every_setting_is_documented_with_its_default() -> None:
    text = DOCS.read_text()
    for key, setting in DEFINITIONS.items():
        row = re.search(rf"^\| `{key}` \| (.*?) \|", text, re.MULTILINE)
        assert row is not None, f"{key} missing from the settings table in {DOCS.name}"
        default = setting.default
        shown = str(default).lower() if isinstance(default, bool) else repr(default).replace("'", '"')
        assert f"`{shown}`" in row.group(1) or (default == "" and "(empty)" in row.group(1)), key
