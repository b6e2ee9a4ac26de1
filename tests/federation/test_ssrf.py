"""The address policy as pure functions: no sockets, no event loop."""

from __future__ import annotations

import ipaddress

import pytest

from federation.ssrf import AddressPolicy, BlockedAddress, is_forbidden_address, normalize_host

FORBIDDEN = [
    "127.0.0.1",  # loopback
    "127.255.255.254",
    "10.0.0.1",  # RFC 1918
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "::1",  # IPv6 loopback
    "169.254.169.254",  # link-local: cloud metadata
    "0.0.0.0",  # unspecified
    "0.1.2.3",  # "this network"
    "::",
    "100.64.0.1",  # carrier-grade NAT
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "::ffff:93.184.216.34",  # IPv4-mapped addresses are refused whatever they embed
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b:1::a00:1",  # local-use NAT64
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "fe80::1",  # link-local
    "fc00::1",  # unique local
    "fd12:3456::1",
    "fec0::1",  # site-local (deprecated)
    "224.0.0.1",  # multicast
    "239.255.255.250",
    "ff02::1",
    "255.255.255.255",  # broadcast
    "240.0.0.1",  # reserved
    "192.0.0.8",  # IETF protocol assignments
    "192.0.2.1",  # documentation
    "198.51.100.7",
    "203.0.113.9",
    "2001:db8::1",
    "3fff::1",
    "198.18.0.1",  # benchmarking
    "192.88.99.1",  # 6to4 relay anycast
    "100::1",  # discard
]

ALLOWED = [
    "93.184.216.34",
    "1.1.1.1",
    "8.8.8.8",
    "2606:4700::1",
    "2a01:4f8::1",
    "64:ff9b::5db8:d822",  # NAT64 of public 93.184.216.34 (DNS64 on IPv6-only networks)
    "2002:5db8:d822::1",  # 6to4 of public 93.184.216.34
    "172.32.0.1",  # just outside 172.16.0.0/12
    "100.128.0.1",  # just outside 100.64.0.0/10
]


@pytest.mark.parametrize("address", FORBIDDEN)
def test_non_public_address_is_forbidden(address: str) -> None:
    assert is_forbidden_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ALLOWED)
def test_public_address_is_allowed(address: str) -> None:
    assert not is_forbidden_address(ipaddress.ip_address(address))


def test_allowed_network_exempts_addresses_inside_it() -> None:
    loopback = [ipaddress.ip_network("127.0.0.0/8")]
    assert not is_forbidden_address(ipaddress.ip_address("127.0.0.2"), loopback)
    assert is_forbidden_address(ipaddress.ip_address("10.0.0.1"), loopback)


def test_allowed_network_covers_nat64_embedding_of_its_addresses() -> None:
    loopback = [ipaddress.ip_network("127.0.0.0/8")]
    assert not is_forbidden_address(ipaddress.ip_address("64:ff9b::7f00:1"), loopback)


def test_policy_refuses_any_forbidden_address_in_an_answer() -> None:
    policy = AddressPolicy()
    with pytest.raises(BlockedAddress, match=r"10\.0\.0\.1 \(mixed\.test resolves to it\)"):
        policy.check("mixed.test", ["93.184.216.34", "10.0.0.1"])


def test_policy_accepts_public_answers() -> None:
    AddressPolicy().check("public.test", ["93.184.216.34", "2606:4700::1"])


def test_policy_refuses_an_unparseable_address() -> None:
    with pytest.raises(BlockedAddress):
        AddressPolicy().check("odd.test", ["not-an-address"])


def test_policy_exempts_configured_hostname_exactly() -> None:
    policy = AddressPolicy.from_allowed(["Dev.Test."])
    policy.check("dev.test", ["127.0.0.1", "::1"])
    with pytest.raises(BlockedAddress):
        policy.check("other.dev.test", ["127.0.0.1"])


def test_policy_host_entry_for_an_ip_is_not_a_network() -> None:
    policy = AddressPolicy.from_allowed(["127.0.0.1"])
    policy.check("127.0.0.1", ["127.0.0.1"])
    with pytest.raises(BlockedAddress):
        policy.check("127.0.0.2", ["127.0.0.2"])
    with pytest.raises(BlockedAddress):
        policy.check("rebind.test", ["127.0.0.1"])


def test_policy_cidr_entry_matches_resolved_addresses() -> None:
    policy = AddressPolicy.from_allowed(["10.1.0.0/16"])
    policy.check("lab.test", ["10.1.2.3"])
    with pytest.raises(BlockedAddress):
        policy.check("lab.test", ["10.2.0.1"])


@pytest.mark.parametrize(("written", "normal"), [
    ("Example.ORG.", "example.org"),
    ("[::1]", "::1"),
    ("0:0:0:0:0:0:0:1", "::1"),
    ("fe80::1%eth0", "fe80::1"),
])
def test_hosts_are_normalized_before_comparison(written: str, normal: str) -> None:
    assert normalize_host(written) == normal
