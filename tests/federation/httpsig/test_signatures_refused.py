"""draft-cavage signatures that verification refuses, and when: before any key look-up where the
request alone shows it is wrong, after exactly one key refresh where only the key can tell.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.httpsig.signatures import (
    DigestMismatch,
    SignatureError,
    SignatureExpired,
    SignatureInvalid,
    SignatureMalformed,
    SignatureMissing,
    sign_request,
    verify_request,
)
from tests.federation.httpsig.signature_helpers import (
    BODY,
    HOST,
    INBOX_PATH,
    INBOX_URL,
    KEY_ID,
    NOW,
    POST_SIGNED,
    KeyPair,
    Lookup,
    ed25519_post,
    ed_key,
    ed_public_pem,
    http_date,
    httpsig_post,
    httpsig_sign,
    other_rsa_key,
    rsa_key,
    signed_post,
)

__all__ = ["ed_key", "other_rsa_key", "rsa_key"]  # fixtures from signature_helpers


async def test_unsigned_request_is_signature_missing(rsa_key: KeyPair) -> None:
    lookup = Lookup(rsa_key[1])
    with pytest.raises(SignatureMissing):
        await verify_request("POST", INBOX_PATH, {"Host": HOST}, BODY, lookup, now=NOW)
    assert lookup.calls == []


@pytest.mark.parametrize("value", [
    "",
    "garbage",
    "Signature keyId=x",
    'keyId="a",signature="c2ln",headers',
    f'keyId="{KEY_ID}",headers="(request-target) date"',
    f'keyId="{KEY_ID}",keyId="other",headers="date",signature="c2ln"',
    f'keyId="{KEY_ID}",headers="(request-target) host date",signature="%%% not base64"',
    f'keyId="{KEY_ID}",headers="(request-target) h@st date",signature="c2ln"',
])
async def test_garbage_signature_header_is_refused_cleanly(rsa_key: KeyPair, value: str) -> None:
    lookup = Lookup(rsa_key[1])
    headers = {"Host": HOST, "Date": http_date(NOW), "Signature": value}
    with pytest.raises(SignatureMalformed) as caught:
        await verify_request("GET", "/users/bob", headers, b"", lookup, now=NOW)
    assert "\n" not in str(caught.value)
    assert lookup.calls == []


async def test_unsupported_algorithm_is_refused_before_lookup(rsa_key: KeyPair) -> None:
    lookup = Lookup(rsa_key[1])
    headers = signed_post(rsa_key[0])
    headers["Signature"] = headers["Signature"].replace("rsa-sha256", "hmac-sha256")
    with pytest.raises(SignatureError, match="unsupported signature algorithm"):
        await verify_request("POST", INBOX_PATH, headers, BODY, lookup, now=NOW)
    assert lookup.calls == []


async def test_tampered_body_is_a_digest_mismatch_and_fetches_no_key(rsa_key: KeyPair) -> None:
    lookup = Lookup(rsa_key[1])
    with pytest.raises(DigestMismatch):
        await verify_request("POST", INBOX_PATH, signed_post(rsa_key[0]), BODY + b" ", lookup, now=NOW)
    assert lookup.calls == []


async def test_post_without_digest_is_refused_before_lookup(rsa_key: KeyPair) -> None:
    lookup = Lookup(rsa_key[1])
    headers = sign_request("POST", INBOX_URL, key_id=KEY_ID, private_key_pem=rsa_key[0], now=NOW)
    with pytest.raises(SignatureError, match="digest"):
        await verify_request("POST", INBOX_PATH, headers, BODY, lookup, now=NOW)
    assert lookup.calls == []


async def test_signed_digest_header_removed_is_refused_before_lookup(rsa_key: KeyPair) -> None:
    lookup = Lookup(rsa_key[1])
    headers = signed_post(rsa_key[0])
    del headers["Digest"]
    with pytest.raises(SignatureError, match="Digest header is missing"):
        await verify_request("POST", INBOX_PATH, headers, BODY, lookup, now=NOW)
    assert lookup.calls == []


async def test_digest_without_sha256_is_refused(rsa_key: KeyPair) -> None:
    sha512 = base64.b64encode(hashlib.sha512(BODY).digest()).decode()
    headers = {"Host": HOST, "Date": http_date(NOW), "Digest": f"SHA-512={sha512}"}
    headers = httpsig_sign(rsa_key[0], "POST", INBOX_PATH, headers, list(POST_SIGNED))
    with pytest.raises(SignatureError, match="no SHA-256"):
        await verify_request("POST", INBOX_PATH, headers, BODY, Lookup(rsa_key[1]), now=NOW)


@pytest.mark.parametrize("offset", [timedelta(hours=-2), timedelta(hours=2)], ids=["past", "future"])
async def test_date_outside_the_window_is_refused_before_lookup(rsa_key: KeyPair, offset: timedelta) -> None:
    lookup = Lookup(rsa_key[1])
    headers = httpsig_post(rsa_key[0], date=NOW + offset)
    with pytest.raises(SignatureExpired):
        await verify_request("POST", INBOX_PATH, headers, BODY, lookup, now=NOW)
    assert lookup.calls == []


async def test_unsigned_date_is_refused(rsa_key: KeyPair) -> None:
    headers = httpsig_post(rsa_key[0], signed=("(request-target)", "host", "digest"))
    with pytest.raises(SignatureError, match="date or \\(created\\)"):
        await verify_request("POST", INBOX_PATH, headers, BODY, Lookup(rsa_key[1]), now=NOW)


async def test_unsigned_request_target_is_refused(rsa_key: KeyPair) -> None:
    lookup = Lookup(rsa_key[1])
    headers = httpsig_post(rsa_key[0], signed=("host", "date", "digest"))
    with pytest.raises(SignatureError, match="request-target"):
        await verify_request("POST", INBOX_PATH, headers, BODY, lookup, now=NOW)
    assert lookup.calls == []


async def test_get_without_signed_host_is_refused(rsa_key: KeyPair) -> None:
    lookup = Lookup(rsa_key[1])
    headers = httpsig_sign(rsa_key[0], "GET", "/users/bob", {"Host": HOST, "Date": http_date(NOW)},
                           ["(request-target)", "date"])
    with pytest.raises(SignatureError, match="host"):
        await verify_request("GET", "/users/bob", headers, b"", lookup, now=NOW)
    assert lookup.calls == []


async def test_signed_header_absent_from_request_is_refused_before_lookup(rsa_key: KeyPair) -> None:
    lookup = Lookup(rsa_key[1])
    headers = signed_post(rsa_key[0])
    del headers["Content-Type"]
    with pytest.raises(SignatureError, match="content-type is missing"):
        await verify_request("POST", INBOX_PATH, headers, BODY, lookup, now=NOW)
    assert lookup.calls == []


async def test_wrong_key_is_refused_after_exactly_one_refresh(rsa_key: KeyPair,
                                                              other_rsa_key: KeyPair) -> None:
    lookup = Lookup(other_rsa_key[1])
    with pytest.raises(SignatureInvalid) as caught:
        await verify_request("POST", INBOX_PATH, signed_post(rsa_key[0]), BODY, lookup, now=NOW)
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]
    assert "BEGIN" not in str(caught.value)


async def test_signature_for_another_path_is_refused(rsa_key: KeyPair) -> None:
    with pytest.raises(SignatureInvalid):
        await verify_request("POST", "/inbox", signed_post(rsa_key[0]), BODY, Lookup(rsa_key[1]), now=NOW)


async def test_rsa_sha256_claim_with_an_ed25519_key_is_refused(ed_key: Ed25519PrivateKey) -> None:
    with pytest.raises(SignatureInvalid):
        await verify_request("POST", INBOX_PATH, ed25519_post(ed_key, "rsa-sha256"), BODY,
                             Lookup(ed_public_pem(ed_key)), now=NOW)


async def test_unreadable_key_is_refused_after_one_refresh(rsa_key: KeyPair) -> None:
    lookup = Lookup("not a key")
    with pytest.raises(SignatureInvalid):
        await verify_request("POST", INBOX_PATH, signed_post(rsa_key[0]), BODY, lookup, now=NOW)
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]
