"""The one spelling of a domain: what is stored, looked up and compared everywhere.

A domain is `host[:port]`. Servers may write the same host many ways (`Evil.Test.`,
full-width `evil.test`, `bücher.example`, `evil.test:443`); left as written, each spelling would
escape rules keyed on another. `normalize_domain` maps all of them to one form: UTS-46
processing (case folding, full-width and other compatibility characters mapped) and IDNA 2008
A-labels (punycode, `xn--bcher-kva.example`), lower case, no trailing dot, no default port.
Hosts that are not valid IDNA host names (underscores, spaces, empty labels, `%`...) are
refused with `InvalidDomain`. IPv6 literals keep their brackets, in compressed form.
"""

from __future__ import annotations

import functools
import ipaddress
import re

import idna

from storage.errors import Invalid

DEFAULT_PORTS = {"http": 80, "https": 443}
_PORT = re.compile(r"[0-9]{1,5}")
MAX_CHARS = 300  # 253 for the name (RFC 1035), a port, and room for full-width or Unicode spellings


class InvalidDomain(Invalid):
    """Not a host[:port] that could name a server."""


def normalize_domain(value: str, *, scheme: str | None = None) -> str:
    """The canonical `host[:port]` of `value`; `InvalidDomain` if it is not one.

    The default port of `scheme` is dropped (`https://h:443` is `h`); without a scheme (a
    domain typed by a person, a stored rule) both 80 and 443 are taken as default ports.
    """
    if len(value) > MAX_CHARS:  # before the cache, so that it only ever holds short strings
        raise InvalidDomain(f"{value[:100]!r}... is longer than a domain name can be")
    return _normalize(value, scheme)


@functools.lru_cache(maxsize=8192)  # the same few hundred hosts are normalised on every request
def _normalize(value: str, scheme: str | None) -> str:
    mapped = _map(value)
    host, port = _split_port(mapped, value)
    defaults = (DEFAULT_PORTS[scheme],) if scheme in DEFAULT_PORTS else tuple(DEFAULT_PORTS.values())
    canonical = _host(host, value)
    return canonical if port is None or port in defaults else f"{canonical}:{port}"


def _map(value: str) -> str:
    if value.startswith("["):
        return value
    try:  # full-width dots, colons and digits become ASCII before the port is split off
        return idna.uts46_remap(value, std3_rules=False, transitional=False)
    except idna.IDNAError as exc:
        raise InvalidDomain(f"{value!r} is not a domain name: {exc}") from None


def _split_port(text: str, original: str) -> tuple[str, int | None]:
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise InvalidDomain(f"{original!r} is not a domain name: an unclosed IPv6 literal")
        host, port_text = f"[{host}]", rest[1:] if rest else None
    else:
        host, colon, port_text = text.rpartition(":") if ":" in text else (text, "", "")
        port_text = port_text if colon else None
    if port_text is None:
        return host, None
    if not _PORT.fullmatch(port_text) or not 0 < int(port_text) <= 65535:
        raise InvalidDomain(f"{original!r} has an invalid port")
    return host, int(port_text)


def _host(host: str, original: str) -> str:
    if host.startswith("["):
        try:
            if "%" in host:  # a zone id names an interface of this machine, not a server
                raise ValueError(host)
            address = ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise InvalidDomain(f"{original!r} is not a valid IPv6 literal") from None
        mapped = address.ipv4_mapped  # RFC 5952: compressed, IPv4-mapped ones in mixed notation
        return f"[::ffff:{mapped}]" if mapped else f"[{address.compressed}]"
    if _plain_ascii(host):
        return host.removesuffix(".")
    try:
        encoded = idna.encode(host, uts46=True, std3_rules=False, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise InvalidDomain(f"{original!r} is not a domain name: {exc}") from None
    return encoded.removesuffix(".")


_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _plain_ascii(host: str) -> bool:
    """Is `host` lower-case letters, digits and hyphens in valid labels, none with `--` in third
    and fourth place (`xn--` and its kin)? IDNA leaves such a host as it is, so `_host` can skip
    it: most hosts are like this, and IDNA costs tens of microseconds per new host (a blocklist
    import meets ten thousand). Anything else takes the IDNA path."""
    labels = host.removesuffix(".").split(".")
    return len(host) <= 253 and all(_LDH_LABEL.fullmatch(label) and label[2:4] != "--" for label in labels)


def canonical_or_none(value: str) -> str | None:
    """`normalize_domain`, or None for a value that is not a domain (a handle typed in a search)."""
    try:
        return normalize_domain(value)
    except InvalidDomain:
        return None


def normalize_domain_input(value: str) -> str:
    """A domain typed by a person (API, CLI): surrounding spaces, a scheme and a trailing
    slash are forgiven (`https://Example.org/` is `example.org`); anything else must be a domain."""
    text = value.strip()
    for prefix in ("https://", "http://"):
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
    return normalize_domain(text.removesuffix("/"))
