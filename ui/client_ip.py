"""The address a request came from: the one function every surface asks (rate limits, logs).

The TCP peer is the client, unless the peer is one of the node config's `trusted_proxies`.
Then `X-Forwarded-For` is read from the right (the entry the nearest proxy added) leftwards,
skipping further trusted proxies; the first address that is not one is the client. Entries
left of it were written by the client itself and are never believed, so a client cannot
choose its own address (and its own rate-limit counter) by sending the header. With no
trusted proxies configured (the default) the header is ignored entirely.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from aiohttp import web

from ui.keys import SERVICES

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"  # no TCP peer address (not served over TCP)

_CLIENT_IP = web.RequestKey[str]("amity_client_ip")


@cache
def _networks(cidrs: tuple[str, ...]) -> tuple[IpNetwork, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _address(text: str) -> IpAddress | None:
    value = text.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # 192.0.2.1:443
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address


def _trusted(address: IpAddress, networks: tuple[IpNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def resolve(peer: str | None, forwarded_for: list[str], trusted_proxies: tuple[str, ...]) -> str:
    """The client's address from the TCP peer and the X-Forwarded-For headers (pure)."""
    address = _address(peer) if peer else None
    if address is None:
        return UNKNOWN
    networks = _networks(trusted_proxies)
    if not _trusted(address, networks):
        return str(address)
    hops = [hop for header in forwarded_for for hop in header.split(",")]
    for hop in reversed(hops):
        forwarded = _address(hop)
        if forwarded is None:
            break  # a proxy would not write this: stop at the last address we believe
        address = forwarded
        if not _trusted(address, networks):
            break
    return str(address)


def client_ip(request: web.Request) -> str:
    """This request's client address, computed once per request."""
    if _CLIENT_IP not in request:
        request[_CLIENT_IP] = resolve(request.remote, request.headers.getall("X-Forwarded-For", []),
                                      request.app[SERVICES].config.trusted_proxies)
    return request[_CLIENT_IP]
