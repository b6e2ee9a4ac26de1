"""The client's address: the TCP peer, or what trusted proxies forwarded (`trusted_proxies`).

A client that is not a trusted proxy cannot choose its address (and so cannot start a fresh
rate-limit counter) with X-Forwarded-For."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient

from storage.config import ConfigError, load_config
from tests.conftest import make_config
from tests.ui.client_api import Api, csrf_of, start_api
from ui.middlewares import resolve

PROXY = ("10.0.0.0/8", "::1/128")


@pytest.mark.parametrize(("peer", "forwarded", "expected"), [
    ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),  # not a proxy: the header is ignored
    ("127.0.0.1", ["198.51.100.1"], "127.0.0.1"),  # loopback is not trusted unless listed
    ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
    ("10.0.0.2", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),  # the client's own entry is left of it
    ("10.0.0.2", ["6.6.6.6", "198.51.100.1, 10.0.0.3"], "198.51.100.1"),  # two proxies, two headers
    ("10.0.0.2", ["10.0.0.4, 10.0.0.3"], "10.0.0.4"),  # every hop a proxy: the farthest
    ("10.0.0.2", ["198.51.100.1, not-an-ip"], "10.0.0.2"),  # garbage: the proxy itself
    ("10.0.0.2", [], "10.0.0.2"),
    ("::1", ["[2001:db8::7]:4433"], "2001:db8::7"),
    ("::ffff:10.0.0.2", ["198.51.100.1"], "198.51.100.1"),  # IPv4-mapped peers are IPv4
    (None, ["198.51.100.1"], "unknown"),
])
def test_the_client_address_believes_only_trusted_proxies(peer: str | None, forwarded: list[str],
                                                          expected: str) -> None:
    assert resolve(peer, forwarded, PROXY) == expected


def test_trusted_proxies_must_be_addresses_or_networks(tmp_path: Path) -> None:
    config = make_config("sqlite+aiosqlite:///x.db", tmp_path, trusted_proxies=["127.0.0.1", "10.1.2.3/8"])
    assert config.trusted_proxies == ("127.0.0.1/32", "10.0.0.0/8")
    with pytest.raises(ConfigError, match=re.escape("trusted_proxies: 'proxy.example' is not an IP address")):
        make_config("sqlite+aiosqlite:///x.db", tmp_path, trusted_proxies=["proxy.example"])


def test_trusted_proxies_come_from_the_environment_as_a_list(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no amity.toml here: the environment is the whole config
    config = load_config(environ={
        "AMITY_DOMAIN": "amity.test", "AMITY_DATABASE_URL": "sqlite+aiosqlite:///x.db",
        "AMITY_SECRET_KEY": "s" * 40, "AMITY_TRUSTED_PROXIES": "172.16.0.0/12, ::1"})
    assert config.trusted_proxies == ("172.16.0.0/12", "::1/128")


async def _wrong_sign_in(api: Api, forwarded_for: str) -> int:
    csrf = csrf_of(await (await api.client.get("/auth/sign_in")).text())
    response = await api.client.post("/auth/sign_in", headers={"X-Forwarded-For": forwarded_for},
                                     data={"username": "ana", "password": "wrong!!!", "csrf_token": csrf})
    return response.status


async def test_a_client_cannot_reset_its_counter_with_x_forwarded_for(
        aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path) -> None:
    api = await start_api(aiohttp_client, sqlite_url, tmp_path)  # no trusted proxies: the default
    await api.setting("rate_limit_sign_in_ip", "1/5m")
    assert await _wrong_sign_in(api, "198.51.100.1") == 401
    assert await _wrong_sign_in(api, "198.51.100.2") == 429


async def test_a_trusted_proxys_forwarded_address_is_the_client(
        aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path) -> None:
    api = await start_api(aiohttp_client, sqlite_url, tmp_path, trusted_proxies=["127.0.0.1/32"])
    await api.setting("rate_limit_sign_in_ip", "1/5m")
    assert await _wrong_sign_in(api, "198.51.100.1") == 401
    assert await _wrong_sign_in(api, "198.51.100.2") == 401  # another client behind the proxy
    assert await _wrong_sign_in(api, "6.6.6.6, 198.51.100.1") == 429  # the first one again
