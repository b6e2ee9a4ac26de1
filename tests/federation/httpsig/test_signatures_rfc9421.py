"""RFC 9421 HTTP message signatures: accepted (RSA, Ed25519, rotated keys) and refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import algorithms

from federation.httpsig.signatures import (
    DigestMismatch,
    SignatureError,
    SignatureExpired,
    SignatureInvalid,
    SignatureMalformed,
    verify_request,
)
from tests.federation.httpsig.signature_helpers import (
    BODY,
    HOST,
    INBOX_PATH,
    KEY_ID,
    NOW,
    OWNER,
    KeyPair,
    Lookup,
    Message,
    ed_key,
    ed_public_pem,
    other_rsa_key,
    rfc9421_post,
    rfc9421_sign,
    rsa_key,
)

__all__ = ["ed_key", "other_rsa_key", "rsa_key"]  # fixtures from signature_helpers


async def test_rfc9421_signed_post_is_accepted(rsa_key: KeyPair) -> None:
    message = rfc9421_post(rsa_key[0])
    lookup = Lookup(rsa_key[1])
    result = await verify_request("POST", INBOX_PATH, message.headers, BODY, lookup, now=NOW)
    assert (result.key_id, result.owner, result.algorithm) == (KEY_ID, OWNER, "rsa-v1_5-sha256")
    assert result.signed_headers == ("@method", "@target-uri", "content-type", "content-digest")
    assert lookup.calls == [(KEY_ID, False)]


async def test_rfc9421_ed25519_get_with_path_and_authority_is_accepted(ed_key: Ed25519PrivateKey) -> None:
    private_pem = ed_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption())
    message = rfc9421_sign(Message("GET", f"https://{HOST}/users/bob?page=1", {"Host": HOST}), private_pem,
                           body=None, algorithm=algorithms.ED25519,
                           components=("@method", "@authority", "@path"))
    lookup = Lookup(ed_public_pem(ed_key))
    result = await verify_request("GET", "/users/bob?page=1", message.headers, b"", lookup, now=NOW)
    assert result.algorithm == "ed25519"


async def test_rfc9421_tampered_body_is_refused_before_lookup(rsa_key: KeyPair) -> None:
    lookup = Lookup(rsa_key[1])
    with pytest.raises(DigestMismatch):
        await verify_request("POST", INBOX_PATH, rfc9421_post(rsa_key[0]).headers, b"{}", lookup, now=NOW)
    assert lookup.calls == []


async def test_rfc9421_tampered_path_is_refused_after_one_refresh(rsa_key: KeyPair) -> None:
    lookup = Lookup(rsa_key[1])
    with pytest.raises(SignatureInvalid):
        await verify_request("POST", "/inbox", rfc9421_post(rsa_key[0]).headers, BODY, lookup, now=NOW)
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_rfc9421_rotated_key_is_accepted_after_refresh(rsa_key: KeyPair,
                                                              other_rsa_key: KeyPair) -> None:
    lookup = Lookup(other_rsa_key[1], refreshed=rsa_key[1])
    result = await verify_request("POST", INBOX_PATH, rfc9421_post(rsa_key[0]).headers, BODY, lookup, now=NOW)
    assert result.key_id == KEY_ID
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_rfc9421_created_outside_the_window_is_refused_before_lookup(rsa_key: KeyPair) -> None:
    lookup = Lookup(rsa_key[1])
    message = rfc9421_post(rsa_key[0], created=NOW - timedelta(hours=3))
    with pytest.raises(SignatureExpired):
        await verify_request("POST", INBOX_PATH, message.headers, BODY, lookup, now=NOW)
    assert lookup.calls == []


async def test_rfc9421_without_method_is_refused_before_lookup(rsa_key: KeyPair) -> None:
    lookup = Lookup(rsa_key[1])
    message = rfc9421_post(rsa_key[0], components=("@target-uri", "content-type"))
    with pytest.raises(SignatureError, match="@method"):
        await verify_request("POST", INBOX_PATH, message.headers, BODY, lookup, now=NOW)
    assert lookup.calls == []


async def test_rfc9421_post_without_covered_digest_is_refused_before_lookup(rsa_key: KeyPair) -> None:
    lookup = Lookup(rsa_key[1])
    message = rfc9421_post(rsa_key[0], body=None)
    with pytest.raises(SignatureError, match="content-digest"):
        await verify_request("POST", INBOX_PATH, message.headers, BODY, lookup, now=NOW)
    assert lookup.calls == []


async def test_rfc9421_garbage_signature_input_is_refused_cleanly(rsa_key: KeyPair) -> None:
    lookup = Lookup(rsa_key[1])
    headers = {"Host": HOST, "Signature-Input": "sig1=(((", "Signature": "sig1=:c2ln:"}
    with pytest.raises(SignatureMalformed):
        await verify_request("GET", "/users/bob", headers, b"", lookup, now=NOW)
    assert lookup.calls == []
