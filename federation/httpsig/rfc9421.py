"""Inbound RFC 9421 HTTP Message Signatures (`Signature-Input` + `Signature`).

The cheap checks (parse, covered components, `created` window, Content-Digest) run
first; then the key is looked up and the synchronous `http-message-signatures`
verifier runs with a resolver that returns the key already fetched.
Call it through `federation.httpsig.signatures.verify_request`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import http_sf
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageVerifier,
    HTTPSignatureAlgorithm,
    HTTPSignatureKeyResolver,
    algorithms,
)

from federation.httpsig.common import (
    DigestMismatch,
    KeyLookup,
    PublicKey,
    SignatureError,
    SignatureExpired,
    SignatureInvalid,
    SignatureMalformed,
    VerifiedSignature,
    WeakKey,
    check_host,
    check_window,
    from_timestamp,
    header_value,
    load_public_key,
)

_ALGORITHMS: dict[str, type[HTTPSignatureAlgorithm]] = {
    "rsa-v1_5-sha256": algorithms.RSA_V1_5_SHA256,
    "rsa-pss-sha512": algorithms.RSA_PSS_SHA512,
    "ed25519": algorithms.ED25519,
}
_FIELD_NAME = re.compile(r"^[a-z0-9-]{1,64}$")


@dataclass(frozen=True, slots=True)
class _Signature:
    """The one signature we check: the first label of `Signature-Input`."""

    components: tuple[str, ...]
    params: dict[str, Any]
    input_field: str  # this label alone, re-serialized, so the verifier sees a single signature
    signature_field: str


@dataclass(frozen=True, slots=True)
class _Fields:
    pairs: tuple[tuple[str, str], ...]

    def items(self) -> Iterable[tuple[str, str]]:
        return self.pairs


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    url: str
    headers: _Fields


class _KeyResolver(HTTPSignatureKeyResolver):
    def __init__(self, key: PublicKey) -> None:
        self.key = key

    def resolve_public_key(self, key_id: str) -> PublicKey:
        return self.key


class _Verifier(HTTPMessageVerifier):
    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        """Already checked by `verify` against the caller's clock and window."""


def _parse_dictionary(headers: Mapping[str, str], name: str) -> dict[str, Any]:
    try:
        parsed = http_sf.parse((header_value(headers, name) or "").encode("ascii"), tltype="dictionary")
    except (ValueError, UnicodeEncodeError):
        raise SignatureMalformed(f"the {name} header could not be parsed") from None
    if not isinstance(parsed, dict) or not parsed:
        raise SignatureMalformed(f"the {name} header is empty")
    return parsed


def _parse(headers: Mapping[str, str]) -> _Signature:
    inputs = _parse_dictionary(headers, "Signature-Input")
    signatures = _parse_dictionary(headers, "Signature")
    label = next(iter(inputs))
    members, params = inputs[label]
    signature = signatures.get(label)
    if not isinstance(members, list) or not all(isinstance(value, str) for value, _ in members):
        raise SignatureMalformed("the Signature-Input member is not a list of components")
    if signature is None or not isinstance(signature[0], bytes):
        raise SignatureMalformed("the Signature header has no byte sequence for the Signature-Input label")
    return _Signature(
        components=tuple(value for value, _ in members),
        params=dict(params),
        input_field=http_sf.ser({label: inputs[label]}),
        signature_field=http_sf.ser({label: signature}),
    )


def key_id(headers: Mapping[str, str]) -> str:
    """The keyid of the signature `verify` checks (the first label of Signature-Input)."""
    found = _parse(headers).params.get("keyid")
    if not isinstance(found, str) or not found:
        raise SignatureMalformed("the signature has no keyid")
    return found


def _check_params(params: Mapping[str, Any], now: datetime, max_skew: timedelta) -> None:
    if not isinstance(params.get("keyid"), str) or not params["keyid"]:
        raise SignatureMalformed("the signature has no keyid")
    alg = params.get("alg")
    if alg is not None and alg not in _ALGORITHMS:
        raise SignatureError("unsupported alg (use rsa-v1_5-sha256, rsa-pss-sha512 or ed25519)")
    created, expires = params.get("created"), params.get("expires")
    if type(created) is not int:
        raise SignatureMalformed("the signature has no integer created parameter")
    check_window(from_timestamp(created, "created"), now, max_skew, "created time")
    if expires is not None:
        if type(expires) is not int:
            raise SignatureMalformed("the signature expires parameter is not an integer")
        if from_timestamp(expires, "expires") < now - max_skew:
            raise SignatureExpired("the signature has expired")


def _check_components(signature: _Signature, method: str, headers: Mapping[str, str], body: bytes) -> None:
    covered = set(signature.components)
    if "@method" not in covered:
        raise SignatureError("the signature must cover @method")
    if "@target-uri" not in covered and not {"@path", "@authority"} <= covered:
        raise SignatureError("the signature must cover @target-uri, or @path and @authority")
    for name in covered:
        if not name.startswith("@") and header_value(headers, name) is None:
            shown = name if _FIELD_NAME.match(name) else "header"
            raise SignatureError(f"the covered {shown} is missing from the request")
    if method.upper() == "POST" or body or "content-digest" in covered:
        if "content-digest" not in covered:
            raise SignatureError("the signature must cover content-digest")
        _check_content_digest(headers, body)


def _check_content_digest(headers: Mapping[str, str], body: bytes) -> None:
    """Require an RFC 9530 Content-Digest with a sha-256 member that matches `body`."""
    digests = _parse_dictionary(headers, "Content-Digest")
    member = digests.get("sha-256")
    if member is None or not isinstance(member[0], bytes):
        raise SignatureError("the Content-Digest header has no sha-256 digest")
    if not hmac.compare_digest(member[0], hashlib.sha256(body).digest()):
        raise DigestMismatch("the Content-Digest header does not match the body")


def _verify_with_key(request: _Request, alg: str | None, key_text: str) -> str | None:
    """The algorithm id that verified the request with this key, or None."""
    try:
        key = load_public_key(key_text)
    except WeakKey as exc:
        raise SignatureInvalid(str(exc)) from None
    except (ValueError, UnsupportedAlgorithm):
        return None
    # Without alg the key decides; with alg, the key must be of that algorithm's type.
    default = "ed25519" if isinstance(key, Ed25519PublicKey) else "rsa-v1_5-sha256"
    name = alg or default
    if (name == "ed25519") != (default == "ed25519"):
        return None
    verifier = _Verifier(signature_algorithm=_ALGORITHMS[name], key_resolver=_KeyResolver(key))
    try:
        verifier.verify(request, max_age=None)
    except HTTPMessageSignaturesException:
        return None
    return name


async def verify(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes,
    lookup: KeyLookup,
    *,
    now: datetime,
    max_skew: timedelta,
    scheme: str,
    host: str | None = None,
) -> VerifiedSignature:
    """Verify an RFC 9421 signed request; `now` is aware UTC.
    See `federation.httpsig.signatures.verify_request`."""
    signature = _parse(headers)
    _check_params(signature.params, now, max_skew)
    _check_components(signature, method, headers, body)
    check_host(headers, host, scheme)
    authority = header_value(headers, "host")
    if authority is None:
        raise SignatureError("the Host header is missing")
    fields = [(name, value) for name, value in headers.items()
              if name.lower() not in ("signature", "signature-input")]
    fields += [("Signature-Input", signature.input_field), ("Signature", signature.signature_field)]
    request = _Request(method.upper(), f"{scheme}://{authority}{path_with_query}", _Fields(tuple(fields)))
    key_id: str = signature.params["keyid"]
    for refresh in (False, True):
        info = await lookup(key_id, refresh)
        used = _verify_with_key(request, signature.params.get("alg"), info.public_key_pem)
        if used is not None:
            return VerifiedSignature(key_id, info.owner, used, signature.components)
    raise SignatureInvalid("the signature does not verify with the key of its keyid")
