"""HTTP Signatures: sign outgoing requests (draft-cavage), verify incoming ones (draft-cavage or RFC 9421).

Pure: no database, web server or network. The key lookup is passed in by the caller.
Verification does every cheap check before the lookup, so a bad request fetches nothing,
and refetches the key at most once (key rotation) when the cryptographic check fails.

`signer_for(actor)`: the outbound client's signer for a local actor's key.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from federation.client import Signer
from federation.httpsig import rfc9421
from federation.httpsig.common import (
    DigestMismatch,
    KeyLookup,
    PublicKeyInfo,
    SignatureError,
    SignatureExpired,
    SignatureInvalid,
    SignatureMalformed,
    SignatureMissing,
    VerifiedSignature,
    WeakKey,
    check_host,
    check_window,
    from_timestamp,
    header_value,
    load_public_key,
    public_key_from_multibase,
    utc_now,
)
from storage.models import Actor

__all__ = [
    "DEFAULT_MAX_SKEW",
    "DigestMismatch",
    "KeyLookup",
    "PublicKeyInfo",
    "SignatureError",
    "SignatureExpired",
    "SignatureInvalid",
    "SignatureMalformed",
    "SignatureMissing",
    "VerifiedSignature",
    "build_signing_string",
    "digest_header",
    "public_key_from_multibase",
    "sign_request",
    "signature_key_id",
    "verify_request",
]

DEFAULT_MAX_SKEW = timedelta(hours=1, minutes=5)
_ALGORITHMS = {"rsa-sha256", "hs2019", "ed25519"}
_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"([^"]*)"|([^",\s]*))\s*(?:,|$)')
_PARAMS = frozenset({"keyid", "algorithm", "headers", "signature", "created", "expires"})
_UNQUOTED = frozenset({"created", "expires"})  # integers, written bare by draft-cavage 12
_HEADER_NAME = re.compile(r"^(?:\([a-z-]+\)|[a-z0-9!#$%&'*+.^_`|~-]+)$")


def digest_header(body: bytes) -> str:
    """The `Digest` header value for `body`: `SHA-256=<base64>`."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def build_signing_string(
    signed_headers: Sequence[str],
    *,
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    created: int | None = None,
    expires: int | None = None,
) -> str:
    """The draft-cavage signing string. Raises SignatureError when a signed header is absent."""
    lines = []
    for name in signed_headers:
        name = name.lower()
        if name == "(request-target)":
            value: str | None = f"{method.lower()} {path_with_query}"
        elif name in ("(created)", "(expires)"):
            number = created if name == "(created)" else expires
            value = None if number is None else str(number)
        else:
            value = header_value(headers, name)
        if value is None:
            raise SignatureError(f"signed header {name} is missing from the request")
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


@functools.lru_cache(maxsize=64)
def _load_private_key(private_key_pem: str) -> RSAPrivateKey:
    key = serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise TypeError("sign_request needs an RSA private key")
    return key


def sign_request(
    method: str,
    url: str,
    *,
    key_id: str,
    private_key_pem: str,
    body: bytes | None = None,
    content_type: str | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers to send, signed with draft-cavage `rsa-sha256`.

    Host, Date, Digest (when `body` is given), Content-Type (when given) and Signature.
    """
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError("sign_request needs an absolute http(s) URL")
    if '"' in key_id:
        raise ValueError("key_id must not contain a double quote")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Host": host, "Date": format_datetime(utc_now(now), usegmt=True)}
    signed = ["(request-target)", "host", "date"]
    if body is not None:
        headers["Digest"] = digest_header(body)
        signed.append("digest")
    if content_type is not None:
        headers["Content-Type"] = content_type
        signed.append("content-type")
    signing_string = build_signing_string(signed, method=method, path_with_query=target, headers=headers)
    key = _load_private_key(private_key_pem)
    signature = key.sign(signing_string.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(signed)}",'
        f'signature="{base64.b64encode(signature).decode("ascii")}"'
    )
    return headers


async def verify_request(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes,
    lookup: KeyLookup,
    *,
    now: datetime | None = None,
    max_skew: timedelta = DEFAULT_MAX_SKEW,
    scheme: str = "https",
    host: str | None = None,
) -> VerifiedSignature:
    """Verify an incoming request's signature, or raise SignatureError (or a subclass).

    `path_with_query` is the request target exactly as sent (aiohttp: `request.raw_path`);
    `headers` is case-insensitive (a CIMultiDict or any dict). A request with a
    `Signature-Input` header is checked as RFC 9421 (its `@target-uri` is rebuilt from
    `scheme` and Host), otherwise as draft-cavage. `host` is this server's domain: when
    given, the signed Host must name it (a signature made for another server is refused).
    Errors raised by `lookup` propagate.
    """
    if header_value(headers, "signature") is None:
        raise SignatureMissing("the request is not signed")
    if header_value(headers, "signature-input") is not None:
        return await rfc9421.verify(method, path_with_query, headers, body, lookup, now=utc_now(now),
                                    max_skew=max_skew, scheme=scheme, host=host)
    return await _verify_cavage(method, path_with_query, headers, body, lookup, utc_now(now), max_skew,
                                (scheme, host))


def signature_key_id(headers: Mapping[str, str]) -> str:
    """The keyId a request claims, read by the parser that verification uses (so no decoy
    parameter can show one keyId to a domain check and another to the verifier).

    SignatureMissing when unsigned; SignatureMalformed when the header does not parse.
    """
    signature = header_value(headers, "signature")
    if signature is None:
        raise SignatureMissing("the request is not signed: it has no Signature header")
    if header_value(headers, "signature-input") is not None:
        return rfc9421.key_id(headers)
    return _parse_signature_header(signature)["keyid"]


def _parse_signature_header(value: str) -> dict[str, str]:
    """The draft-cavage parameters; a repeated, unknown or (but for the two times) unquoted
    parameter makes the whole header malformed."""
    params: dict[str, str] = {}
    position = 0
    while position < len(value):
        match = _PARAM.match(value, position)
        if match is None or match.end() == position:
            raise SignatureMalformed("the Signature header could not be parsed")
        name = match.group(1).lower()
        if name not in _PARAMS:
            raise SignatureMalformed(f"the Signature header has an unknown parameter {name[:32]!r}")
        if name in params:
            raise SignatureMalformed("the Signature header repeats a parameter")
        if match.group(2) is None and name not in _UNQUOTED:
            raise SignatureMalformed(f"the Signature {name} parameter is not quoted")
        params[name] = match.group(2) if match.group(2) is not None else match.group(3)
        position = match.end()
    for required in ("keyid", "signature", "headers"):
        if not params.get(required):
            raise SignatureMalformed(f"the Signature header lacks {required}")
    return params


def _int_param(params: Mapping[str, str], name: str) -> int | None:
    if name not in params:
        return None
    try:
        return int(params[name])
    except ValueError:
        raise SignatureMalformed(f"the Signature {name} parameter is not an integer") from None


@functools.lru_cache(maxsize=256)  # a busy peer sends many requests stamped with the same second
def _http_date(raw: str) -> datetime | None:
    try:
        return utc_now(parsedate_to_datetime(raw))
    except (TypeError, ValueError):
        return None


def _check_time(signed: Sequence[str], params: Mapping[str, str], headers: Mapping[str, str],
                now: datetime, max_skew: timedelta) -> None:
    if "date" not in signed and "(created)" not in signed:
        raise SignatureError("the signature must cover date or (created)")
    if "date" in signed:
        date = _http_date(header_value(headers, "date") or "")
        if date is None:
            raise SignatureMalformed("the Date header is missing or malformed")
        check_window(date, now, max_skew, "Date")
    created = _int_param(params, "created")
    if "(created)" in signed:
        if created is None:
            raise SignatureMalformed("(created) is signed but the created parameter is missing")
        check_window(from_timestamp(created, "created"), now, max_skew, "created time")
    expires = _int_param(params, "expires")
    if expires is not None and from_timestamp(expires, "expires") < now - max_skew:
        raise SignatureExpired("the signature has expired")


def _check_digest(headers: Mapping[str, str], body: bytes) -> None:
    """Require a `Digest` header with a SHA-256 entry that matches `body` (other entries are ignored)."""
    raw = header_value(headers, "digest")
    if raw is None:
        raise SignatureError("the Digest header is missing")
    expected = hashlib.sha256(body).digest()
    for entry in raw.split(","):
        algorithm, _, value = entry.strip().partition("=")
        if algorithm.lower() != "sha-256":
            continue
        try:
            claimed = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise SignatureMalformed("the Digest header's SHA-256 value is not base64") from None
        if not hmac.compare_digest(claimed, expected):
            raise DigestMismatch("the Digest header does not match the body")
        return
    raise SignatureError("the Digest header has no SHA-256 digest")


def _verify_with_key(key_text: str, algorithm: str | None, signature: bytes,
                     candidates: Sequence[str]) -> str | None:
    """The algorithm that verified one of the signing strings with this key, or None."""
    try:
        key = load_public_key(key_text)
    except WeakKey as exc:
        raise SignatureInvalid(str(exc)) from None
    except (ValueError, UnsupportedAlgorithm):
        return None
    for candidate in candidates:
        data = candidate.encode("utf-8", errors="replace")
        try:
            if isinstance(key, RSAPublicKey) and algorithm != "ed25519":
                key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
                return "rsa-sha256"
            if isinstance(key, Ed25519PublicKey) and algorithm != "rsa-sha256":
                key.verify(signature, data)
                return "ed25519"
        except InvalidSignature:
            continue
    return None


def _check_coverage(signed: Sequence[str], method: str, body: bytes) -> None:
    """A GET signs its target and host; anything else also its time and body digest.
    (`(created)` stands for the date: both bound the signature in time.)"""
    required = ["(request-target)", "host"]
    if method.upper() not in ("GET", "HEAD") or body:
        required += ["date", "digest"]
    missing = [name for name in required if name not in signed
               and not (name == "date" and "(created)" in signed)]
    if missing:
        shown = ["date or (created)" if name == "date" else name for name in missing]
        raise SignatureError(f"the signature must cover {' and '.join(shown)}")


async def _verify_cavage(method: str, path_with_query: str, headers: Mapping[str, str], body: bytes,
                         lookup: KeyLookup, now: datetime, max_skew: timedelta,
                         server: tuple[str, str | None]) -> VerifiedSignature:
    params = _parse_signature_header(header_value(headers, "signature") or "")
    algorithm = params["algorithm"].lower() if params.get("algorithm") else None
    if algorithm is not None and algorithm not in _ALGORITHMS:
        raise SignatureError("unsupported signature algorithm (use rsa-sha256, hs2019 or ed25519)")
    signed = params["headers"].lower().split()
    if not all(_HEADER_NAME.match(name) for name in signed):
        raise SignatureMalformed("the Signature headers parameter is malformed")
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except (binascii.Error, ValueError):
        raise SignatureMalformed("the signature is not base64") from None
    _check_coverage(signed, method, body)
    check_host(headers, server[1], server[0])
    _check_time(signed, params, headers, now, max_skew)
    if "digest" in signed:
        _check_digest(headers, body)
    created, expires = _int_param(params, "created"), _int_param(params, "expires")
    # Some servers sign (request-target) without the query string: accept either form.
    candidates = [
        build_signing_string(signed, method=method, path_with_query=target, headers=headers,
                             created=created, expires=expires)
        for target in dict.fromkeys([path_with_query, path_with_query.partition("?")[0]])
    ]
    key_id = params["keyid"]
    for refresh in (False, True):
        info = await lookup(key_id, refresh)
        used = _verify_with_key(info.public_key_pem, algorithm, signature, candidates)
        if used is not None:
            return VerifiedSignature(key_id, info.owner, used, tuple(signed))
    raise SignatureInvalid("the signature does not verify with the key of its keyId")


def signer_for(actor: Actor) -> Signer:
    """Sign as `actor` (a local actor with a private key)."""
    if not actor.private_key_pem:
        raise ValueError(f"{actor.uri} has no private key: only local actors sign")
    key_id = actor.key_id or f"{actor.uri}#main-key"
    private_pem = actor.private_key_pem

    def sign(method: str, url: str, body: bytes | None, content_type: str | None) -> dict[str, str]:
        return sign_request(method, url, key_id=key_id, private_key_pem=private_pem, body=body,
                            content_type=content_type)

    return sign
