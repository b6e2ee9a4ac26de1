"""Types and helpers shared by the two HTTP signature schemes (draft-cavage and RFC 9421).

Import these names from `federation.httpsig.signatures`; this module exists only so that
`signatures.py` and `rfc9421.py` can share them without importing each other.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from multidict import CIMultiDict, CIMultiDictProxy

PublicKey = RSAPublicKey | Ed25519PublicKey
MIN_RSA_BITS = 2048  # shorter RSA keys are factorable at moderate cost; no current server makes them

_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_DEFAULT_PORTS = {"https": 443, "http": 80}
_ED25519_PUB_MULTICODEC = b"\xed\x01"  # varint of 0xed, the multicodec "ed25519-pub"


class SignatureError(Exception):
    """A request's signature is not acceptable. `str(error)` is one line, safe to send to the peer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SignatureMissing(SignatureError):
    """The request carries no signature at all (the inbox answers 401)."""


class SignatureMalformed(SignatureError):
    """A signature header could not be parsed."""


class SignatureExpired(SignatureError):
    """The signature's date, `created` or `expires` is outside the accepted window."""


class DigestMismatch(SignatureError):
    """The body does not match its signed digest."""


class SignatureInvalid(SignatureError):
    """The cryptographic check failed, even after refetching the key once."""


class WeakKey(ValueError):
    """An RSA public key shorter than `MIN_RSA_BITS`: refused when it is parsed."""


@dataclass(frozen=True, slots=True)
class PublicKeyInfo:
    """What a key lookup returns.

    `public_key_pem` is a PEM SubjectPublicKeyInfo (RSA or Ed25519); a Multikey
    `publicKeyMultibase` value (z-base58btc ed25519-pub) is accepted too.
    `owner` is the URI of the actor the key belongs to.
    """

    public_key_pem: str
    owner: str


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """A signature that checked out. `algorithm` is the one actually used to verify."""

    key_id: str
    owner: str
    algorithm: str
    signed_headers: tuple[str, ...]


# lookup(key_id, refresh): refresh=True asks for a fresh fetch, bypassing any cache.
# Errors the lookup raises (the key document cannot be fetched, ...) propagate unchanged.
KeyLookup = Callable[[str, bool], Awaitable[PublicKeyInfo]]


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """All values of header `name` (any case), joined with ", " as RFC 9110 combines them; None if absent.

    Works for a plain dict and for a (CI)MultiDict, whose items() yields repeated headers.
    """
    if isinstance(headers, CIMultiDict | CIMultiDictProxy):  # aiohttp's: case-insensitive already
        values = [value.strip() for value in headers.getall(name, ())]
    else:
        wanted = name.lower()
        values = [value.strip() for key, value in headers.items() if key.lower() == wanted]
    return ", ".join(values) if values else None


def utc_now(now: datetime | None) -> datetime:
    """`now`, or the current time, as an aware UTC datetime (a naive value is taken as UTC)."""
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        return now.replace(tzinfo=UTC)
    return now.astimezone(UTC)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """Decode a Multikey `publicKeyMultibase` (z-base58btc, ed25519-pub multicodec) to a public key."""
    if not value.startswith("z") or len(value) > 100:
        raise ValueError("not a base58btc multibase value")
    number = 0
    for char in value[1:]:
        digit = _BASE58_ALPHABET.find(char)
        if digit < 0:
            raise ValueError("invalid base58btc character")
        number = number * 58 + digit
    leading_zeros = len(value[1:]) - len(value[1:].lstrip("1"))
    raw = b"\x00" * leading_zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")
    if len(raw) != 34 or not raw.startswith(_ED25519_PUB_MULTICODEC):
        raise ValueError("not an ed25519-pub multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


@functools.lru_cache(maxsize=1024)
def load_public_key(text: str) -> PublicKey:
    """Parse a PEM public key (RSA or Ed25519) or an Ed25519 multibase value; ValueError otherwise."""
    stripped = text.strip()
    if stripped.startswith("z"):
        return public_key_from_multibase(stripped)
    key = serialization.load_pem_public_key(stripped.encode("ascii", errors="replace"))
    if not isinstance(key, RSAPublicKey | Ed25519PublicKey):
        raise ValueError("unsupported public key type")
    if isinstance(key, RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise WeakKey(f"the key is RSA-{key.key_size}: RSA keys under {MIN_RSA_BITS} bits are refused")
    return key


def check_host(headers: Mapping[str, str], expected: str | None, scheme: str) -> None:
    """The Host header must name this server (`expected`, host[:port]), default port or not."""
    if expected is None:
        return
    host = (header_value(headers, "host") or "").lower().rstrip(".")
    if host.endswith(f":{_DEFAULT_PORTS.get(scheme)}"):
        host = host.rpartition(":")[0]
    if host != expected.lower():
        raise SignatureError(f"the signed Host is not this server ({expected})")



def from_timestamp(seconds: int, what: str) -> datetime:
    """A signature's `created`/`expires` Unix time as a UTC datetime; SignatureMalformed when out of range."""
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise SignatureMalformed(f"the signature {what} time is out of range") from None


def check_window(moment: datetime, now: datetime, max_skew: timedelta, what: str) -> None:
    """SignatureExpired unless `moment` is within `max_skew` of `now`, in either direction."""
    if moment > now + max_skew:
        raise SignatureExpired(f"the signature {what} is too far in the future")
    if moment < now - max_skew:
        raise SignatureExpired(f"the signature {what} is too old")
