"""Scopes (hierarchy as Mastodon's) and where OAuth may send a browser."""

from __future__ import annotations

import pytest

from storage.errors import Invalid
from ui.oauth import store
from ui.oauth.redirects import (
    DEFAULT_NEXT,
    OOB,
    check_redirect_uri,
    form_action_source,
    parse_redirect_uris,
    safe_next,
    with_params,
)


def test_top_level_scopes_grant_their_granular_forms() -> None:
    assert store.allows("read", "read:accounts") and store.allows("write", "write:statuses")
    assert store.allows("follow", "write:follows") and store.allows("admin:read", "admin:read:reports")
    assert not store.allows("read", "write:accounts")
    assert not store.allows("read:statuses", "read:accounts")
    assert not store.allows("profile", "read:accounts")
    assert store.allows("profile", "read:accounts", "profile")  # any one of the needed scopes


def test_requests_may_only_narrow_the_registered_scopes() -> None:
    assert store.within(("read:accounts", "write"), "read write push")
    assert not store.within(("read",), "read:accounts")
    assert not store.within(("follow",), "read write")


def test_scope_strings_parse_with_spaces_or_pluses_and_default_to_read() -> None:
    assert store.parse("read+write  push read") == ("read", "write", "push")
    assert store.parse(None) == ("read",) and store.parse("  ") == ("read",)
    with pytest.raises(Invalid, match="unknown scope 'crypto'"):
        store.parse("read crypto")


@pytest.mark.parametrize("uri", [OOB, "https://app.example/callback", "http://127.0.0.1:4000/cb",
                                 "org.joinmastodon.android://callback", "elk://oauth?x=1"])
def test_acceptable_redirect_uris(uri: str) -> None:
    check_redirect_uri(uri)


@pytest.mark.parametrize(("uri", "reason"), [
    ("/relative", "absolute"), ("javascript:alert(1)", "javascript"), ("data:text/html,x", "data"),
    ("https://app.example/cb#frag", "fragment"), ("https://app.example/a b", "absolute"),
    ("https:///nohost", "absolute"), ("not a uri", "absolute"),
])
def test_refused_redirect_uris(uri: str, reason: str) -> None:
    with pytest.raises(Invalid, match=reason):
        check_redirect_uri(uri)


def test_several_redirect_uris_as_one_string_or_a_list() -> None:
    assert parse_redirect_uris(f"{OOB}\nhttps://a.example/cb") == [OOB, "https://a.example/cb"]
    assert parse_redirect_uris(["https://a.example/cb", "https://a.example/cb"]) == ["https://a.example/cb"]
    with pytest.raises(Invalid, match="blank"):
        parse_redirect_uris("")


@pytest.mark.parametrize("value", [
    "//evil.example", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "evil.example",
    "/ok\r\nSet-Cookie: x", "", None, "javascript:alert(1)", "///evil.example",
])
def test_next_is_only_followed_to_local_paths(value: str | None) -> None:
    assert safe_next(value) == DEFAULT_NEXT


def test_a_local_next_path_is_kept_with_its_query() -> None:
    assert safe_next("/oauth/authorize?client_id=a&x=%2F%2F") == "/oauth/authorize?client_id=a&x=%2F%2F"


def test_parameters_are_added_to_the_redirect_uris_own_query() -> None:
    assert with_params("https://a.example/cb?keep=1", {"code": "c d", "state": None}) == \
        "https://a.example/cb?keep=1&code=c+d"


def test_the_consent_page_may_post_towards_the_redirect_uri_only() -> None:
    assert form_action_source("https://a.example:8443/cb?x=1") == "https://a.example:8443"
    assert form_action_source("elk://oauth") == "elk:"
    assert form_action_source(OOB) is None
