"""Poll limits are node config (`[limits]`), Mastodon's by default, checked for sense."""

from __future__ import annotations

import pytest

from actors.posts import polls
from storage.config import ConfigError, build_config, load_config

GOOD = {"domain": "social.example.org", "database_url": "sqlite+aiosqlite:///amity.db",
        "secret_key": "k" * 40}


def test_the_defaults_are_mastodons_and_apps_are_told_them() -> None:
    limits = build_config(GOOD).limits
    assert polls.api_limits(limits) == {"max_options": 4, "max_characters_per_option": 50,
                                        "min_expiration": 300, "max_expiration": 30 * 86400}


def test_an_operator_can_allow_more_options_from_the_environment() -> None:
    env = {f"AMITY_{k.upper()}": v for k, v in GOOD.items()} | {"AMITY_POLL_MAX_OPTIONS": "6"}
    assert load_config(None, environ=env).limits.poll_max_options == 6


@pytest.mark.parametrize(("limits", "message"), [
    ({"poll_max_options": 1}, "limits.poll_max_options must be at least 2"),
    ({"poll_min_expiration": 600, "poll_max_expiration": 300},
     "limits.poll_min_expiration must not exceed limits.poll_max_expiration"),
])
def test_limits_that_make_no_poll_possible_are_refused(limits: dict[str, int], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_config({**GOOD, "limits": limits})
