"""The address policy for outbound requests: which IP addresses the node may connect to.

Everything the node fetches or posts goes through `GuardedConnector`, an
`aiohttp.TCPConnector` that checks the addresses it is about to connect to, after DNS
resolution and at connect time, so a name that resolves to a public address once and to a
private one later (DNS rebinding) is still refused. Literal IP hosts, which aiohttp never
hands to the resolver, go through the same check.

Policy decisions:
- An address is forbidden unless it is globally routable unicast (see `is_forbidden_address`).
- A name that answers with *any* forbidden address is refused as a whole: the node does not
  pick the permitted addresses out of a mixed answer.
- `allowed_private_hosts` (node config, for tests and local development only) opens
  exceptions: a hostname entry matches the URL host exactly (so every address it resolves to
  is accepted); a CIDR entry matches resolved addresses.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import TYPE_CHECKING, Any

from aiohttp import TCPConnector
from aiohttp.abc import ResolveResult
from aiohttp.client_proto import ResponseHandler

from storage.errors import AmityError

if TYPE_CHECKING:
    from aiohttp.client_reqrep import ClientRequest
    from aiohttp.tracing import Trace

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network


class FetchError(AmityError):
    """Base of every outbound request failure; the message is one line naming the URL or host."""


class BlockedAddress(FetchError):
    """The host is, or resolves to, an address the node must not connect to."""


_FORBIDDEN_V4 = tuple(ipaddress.IPv4Network(n) for n in (
    "0.0.0.0/8",  # "this network", includes the unspecified address
    "10.0.0.0/8",  # private (RFC 1918)
    "100.64.0.0/10",  # carrier-grade NAT
    "127.0.0.0/8",  # loopback
    "169.254.0.0/16",  # link-local, cloud metadata services
    "172.16.0.0/12",  # private
    "192.0.0.0/24",  # IETF protocol assignments
    "192.0.2.0/24",  # documentation (TEST-NET-1)
    "192.88.99.0/24",  # 6to4 relay anycast
    "192.168.0.0/16",  # private
    "198.18.0.0/15",  # benchmarking
    "198.51.100.0/24",  # documentation (TEST-NET-2)
    "203.0.113.0/24",  # documentation (TEST-NET-3)
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, includes the broadcast address 255.255.255.255
))

_FORBIDDEN_V6 = tuple(ipaddress.IPv6Network(n) for n in (
    "::/96",  # unspecified, loopback and the deprecated IPv4-compatible addresses
    "::ffff:0:0/96",  # IPv4-mapped: refused whatever they embed
    "::ffff:0:0:0/96",  # IPv4-translated
    "64:ff9b:1::/48",  # local-use NAT64
    "100::/64",  # discard
    "2001::/23",  # IETF protocol assignments, includes Teredo 2001::/32
    "2001:db8::/32",  # documentation
    "3fff::/20",  # documentation (RFC 9637)
    "fc00::/7",  # unique local
    "fe80::/10",  # link-local
    "fec0::/10",  # deprecated site-local
    "ff00::/8",  # multicast
))

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_forbidden_address(ip: IPAddress, allowed: Iterable[IPNetwork] = ()) -> bool:
    """True unless `ip` is a public unicast address or lies in one of the `allowed` networks.

    Addresses that embed an IPv4 address (NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged
    by the address they embed; IPv4-mapped, IPv4-compatible and Teredo addresses are refused.
    """
    allowed = tuple(allowed)
    if any(ip in network for network in allowed):
        return False
    if isinstance(ip, IPv4Address):
        return any(ip in network for network in _FORBIDDEN_V4) or not ip.is_global
    if any(ip in network for network in _FORBIDDEN_V6) or not ip.is_global:
        return True
    embedded = _embedded_ipv4(ip)
    return embedded is not None and is_forbidden_address(embedded, allowed)


def _embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    if ip in _NAT64:
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def parse_ip(text: str) -> IPAddress | None:
    """An IP literal as written in a URL host or a resolver answer (brackets and zone dropped)."""
    candidate = text.strip()
    if candidate.startswith("[") and candidate.endswith("]"):
        candidate = candidate[1:-1]
    candidate = candidate.split("%", 1)[0]
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


def normalize_host(host: str) -> str:
    """Lower-case, without a trailing dot or brackets; IP literals in their compressed form."""
    ip = parse_ip(host)
    if ip is not None:
        return str(ip)
    return host.strip().lower().rstrip(".")


@dataclass(frozen=True)
class AddressPolicy:
    """Which hosts and addresses are exempt from the public-address rule."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_allowed(cls, entries: Iterable[str]) -> AddressPolicy:
        """Read `NodeConfig.allowed_private_hosts`: CIDRs contain a slash, the rest are hosts."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in entries:
            if "/" in entry:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            else:
                hosts.add(normalize_host(entry))
        return cls(frozenset(hosts), tuple(networks))

    def check(self, host: str, addresses: Sequence[str]) -> None:
        """Raise `BlockedAddress` unless every address may be connected to for this host."""
        if normalize_host(host) in self.hosts:
            return
        for address in addresses:
            ip = parse_ip(address)
            if ip is None or is_forbidden_address(ip, self.networks):
                via = "" if normalize_host(host) == str(ip) else f" ({host} resolves to it)"
                raise BlockedAddress(f"refused to connect to {address}{via}: not a public address")


class GuardedConnector(TCPConnector):
    """A TCPConnector that applies an `AddressPolicy` to every address it connects to.

    Two private aiohttp hooks are overridden: `_resolve_host` (every connection path, literal
    IPs and DNS cache hits included, gets its addresses there) and, as a second check,
    `_wrap_create_connection` (receives the exact socket addresses about to be connected).
    """

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._policy = policy

    async def _resolve_host(
        self, host: str, port: int, traces: Sequence[Trace] | None = None
    ) -> list[ResolveResult]:
        ip = parse_ip(host)
        if ip is not None:  # refuse literal IPs before aiohttp looks at them
            self._policy.check(host, [str(ip)])
        results = await super()._resolve_host(host, port, traces=traces)
        if not results:
            raise OSError(f"{host} has no addresses")
        self._policy.check(host, [result["host"] for result in results])
        return results

    async def _wrap_create_connection(
        self, *args: Any, addr_infos: list[Any], req: ClientRequest, **kwargs: Any
    ) -> tuple[asyncio.Transport, ResponseHandler]:
        host = req.url.raw_host or ""
        self._policy.check(host, [str(info[4][0]) for info in addr_infos])
        return await super()._wrap_create_connection(*args, addr_infos=addr_infos, req=req, **kwargs)


def _require_hooks() -> None:
    for name in ("_resolve_host", "_wrap_create_connection"):
        if not callable(getattr(TCPConnector, name, None)):
            raise ImportError(f"aiohttp.TCPConnector has no {name}: the SSRF guard needs updating")


_require_hooks()
