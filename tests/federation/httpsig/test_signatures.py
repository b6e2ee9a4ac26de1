"""HTTP signatures: signing our requests (checked with httpsig as an independent oracle), and
draft-cavage signatures that verification accepts: RSA and Ed25519, hs2019, key rotation.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from httpsig import HeaderVerifier
from multidict import CIMultiDict

from federation.httpsig import signatures
from federation.httpsig.signatures import (
    build_signing_string,
    digest_header,
    public_key_from_multibase,
    sign_request,
    verify_request,
)
from tests.federation.httpsig.signature_helpers import (
    AS2,
    BODY,
    HOST,
    INBOX_PATH,
    KEY_ID,
    NOW,
    OWNER,
    POST_SIGNED,
    KeyPair,
    Lookup,
    base58btc,
    ed25519_post,
    ed_key,
    ed_public_pem,
    http_date,
    httpsig_post,
    httpsig_sign,
    other_rsa_key,
    rsa_key,
    sha256_digest,
    signed_post,
)

__all__ = ["ed_key", "other_rsa_key", "rsa_key"]  # fixtures from signature_helpers


def test_digest_header_is_base64_sha256() -> None:
    assert digest_header(b"") == "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


def test_sign_request_returns_the_headers_to_send(rsa_key: KeyPair) -> None:
    headers = signed_post(rsa_key[0])
    assert headers["Host"] == HOST
    assert headers["Date"] == "Fri, 14 Mar 2025 15:09:26 GMT"
    assert headers["Digest"] == sha256_digest(BODY)
    assert headers["Content-Type"] == AS2
    assert headers["Signature"].startswith(f'keyId="{KEY_ID}",algorithm="rsa-sha256",')
    assert 'headers="(request-target) host date digest content-type"' in headers["Signature"]


def test_signed_get_has_no_digest(rsa_key: KeyPair) -> None:
    headers = sign_request("GET", OWNER, key_id=KEY_ID, private_key_pem=rsa_key[0], now=NOW)
    assert set(headers) == {"Host", "Date", "Signature"}
    assert 'headers="(request-target) host date"' in headers["Signature"]


def test_private_key_is_parsed_once_per_pem(rsa_key: KeyPair) -> None:
    signatures._load_private_key.cache_clear()
    signed_post(rsa_key[0])
    signed_post(rsa_key[0])
    assert signatures._load_private_key.cache_info().misses == 1


def test_httpsig_verifies_our_post_signature(rsa_key: KeyPair) -> None:
    headers = signed_post(rsa_key[0])
    verifier = HeaderVerifier(headers, rsa_key[1], required_headers=["(request-target)", "digest"],
                              method="POST", path=INBOX_PATH, sign_header="signature")
    assert verifier.verify() is True


def test_httpsig_verifies_our_get_signature_with_query(rsa_key: KeyPair) -> None:
    headers = sign_request("GET", f"{OWNER}/outbox?page=2", key_id=KEY_ID, private_key_pem=rsa_key[0])
    verifier = HeaderVerifier(headers, rsa_key[1], required_headers=["(request-target)", "host"],
                              method="GET", path="/users/alice/outbox?page=2", sign_header="signature")
    assert verifier.verify() is True


def test_httpsig_rejects_our_signature_for_another_path(rsa_key: KeyPair) -> None:
    headers = signed_post(rsa_key[0])
    verifier = HeaderVerifier(headers, rsa_key[1], method="POST", path="/inbox", sign_header="signature")
    assert verifier.verify() is False


async def test_signed_post_round_trips(rsa_key: KeyPair) -> None:
    lookup = Lookup(rsa_key[1])
    result = await verify_request("POST", INBOX_PATH, signed_post(rsa_key[0]), BODY, lookup, now=NOW)
    assert (result.key_id, result.owner, result.algorithm) == (KEY_ID, OWNER, "rsa-sha256")
    assert result.signed_headers == ("(request-target)", "host", "date", "digest", "content-type")
    assert lookup.calls == [(KEY_ID, False)]


async def test_signed_get_with_query_round_trips(rsa_key: KeyPair) -> None:
    headers = sign_request("GET", f"https://{HOST}/users/bob/outbox?page=true", key_id=KEY_ID,
                           private_key_pem=rsa_key[0], now=NOW)
    lookup = Lookup(rsa_key[1])
    result = await verify_request("GET", "/users/bob/outbox?page=true", headers, b"", lookup, now=NOW)
    assert result.owner == OWNER


async def test_httpsig_signature_is_accepted(rsa_key: KeyPair) -> None:
    headers = httpsig_post(rsa_key[0])
    result = await verify_request("POST", INBOX_PATH, headers, BODY, Lookup(rsa_key[1]), now=NOW)
    assert result.signed_headers == ("(request-target)", "host", "date", "digest")


async def test_headers_are_case_insensitive_in_a_cimultidict(rsa_key: KeyPair) -> None:
    headers = CIMultiDict((name.lower(), value) for name, value in signed_post(rsa_key[0]).items())
    result = await verify_request("POST", INBOX_PATH, headers, BODY, Lookup(rsa_key[1]), now=NOW)
    assert result.key_id == KEY_ID


async def test_hs2019_is_accepted_with_an_rsa_key(rsa_key: KeyPair) -> None:
    headers = signed_post(rsa_key[0])
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256"', 'algorithm="hs2019"')
    result = await verify_request("POST", INBOX_PATH, headers, BODY, Lookup(rsa_key[1]), now=NOW)
    assert result.algorithm == "rsa-sha256"


async def test_absent_algorithm_is_decided_by_the_key(rsa_key: KeyPair) -> None:
    headers = signed_post(rsa_key[0])
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256",', "")
    result = await verify_request("POST", INBOX_PATH, headers, BODY, Lookup(rsa_key[1]), now=NOW)
    assert result.algorithm == "rsa-sha256"


async def test_request_target_without_query_is_accepted(rsa_key: KeyPair) -> None:
    headers = httpsig_sign(rsa_key[0], "GET", "/users/bob", {"Host": HOST, "Date": http_date(NOW)},
                           ["(request-target)", "host", "date"])
    result = await verify_request("GET", "/users/bob?x=1", headers, b"", Lookup(rsa_key[1]), now=NOW)
    assert result.key_id == KEY_ID


async def test_date_an_hour_old_is_accepted(rsa_key: KeyPair) -> None:
    headers = httpsig_post(rsa_key[0], date=NOW - timedelta(hours=1))
    result = await verify_request("POST", INBOX_PATH, headers, BODY, Lookup(rsa_key[1]), now=NOW)
    assert result.key_id == KEY_ID


async def test_digest_list_is_accepted_by_its_sha256_entry(rsa_key: KeyPair) -> None:
    sha512 = base64.b64encode(hashlib.sha512(BODY).digest()).decode()
    headers = {"Host": HOST, "Date": http_date(NOW), "Digest": f"SHA-512={sha512}, {sha256_digest(BODY)}"}
    headers = httpsig_sign(rsa_key[0], "POST", INBOX_PATH, headers, list(POST_SIGNED))
    result = await verify_request("POST", INBOX_PATH, headers, BODY, Lookup(rsa_key[1]), now=NOW)
    assert result.key_id == KEY_ID


async def test_created_pseudo_header_may_replace_date(ed_key: Ed25519PrivateKey) -> None:
    created = int(NOW.timestamp())
    headers = {"Host": HOST, "Digest": sha256_digest(BODY)}
    signed = ["(request-target)", "(created)", "host", "digest"]
    text = build_signing_string(signed, method="POST", path_with_query=INBOX_PATH, headers=headers,
                                created=created)
    signature = base64.b64encode(ed_key.sign(text.encode())).decode()
    headers["Signature"] = (f'keyId="{KEY_ID}",algorithm="hs2019",created={created},'
                            f'headers="{" ".join(signed)}",signature="{signature}"')
    result = await verify_request("POST", INBOX_PATH, headers, BODY, Lookup(ed_public_pem(ed_key)), now=NOW)
    assert "(created)" in result.signed_headers


async def test_ed25519_signature_is_accepted(ed_key: Ed25519PrivateKey) -> None:
    lookup = Lookup(ed_public_pem(ed_key))
    result = await verify_request("POST", INBOX_PATH, ed25519_post(ed_key), BODY, lookup, now=NOW)
    assert result.algorithm == "ed25519"


async def test_ed25519_multibase_key_is_accepted(ed_key: Ed25519PrivateKey) -> None:
    raw = ed_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    lookup = Lookup("z" + base58btc(b"\xed\x01" + raw))
    result = await verify_request("POST", INBOX_PATH, ed25519_post(ed_key, "ed25519"), BODY, lookup, now=NOW)
    assert result.algorithm == "ed25519"


def test_public_key_from_multibase_decodes_an_ed25519_multikey(ed_key: Ed25519PrivateKey) -> None:
    raw = ed_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    multibase = "z" + base58btc(b"\xed\x01" + raw)
    assert multibase.startswith("z6Mk")  # every ed25519-pub multikey does
    decoded = public_key_from_multibase(multibase)
    assert decoded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == raw


def test_public_key_from_multibase_rejects_other_multicodecs() -> None:
    with pytest.raises(ValueError, match="ed25519"):
        public_key_from_multibase("z" + base58btc(b"\xec\x01" + bytes(32)))


async def test_rotated_key_is_accepted_after_one_refresh(rsa_key: KeyPair, other_rsa_key: KeyPair) -> None:
    lookup = Lookup(other_rsa_key[1], refreshed=rsa_key[1])
    result = await verify_request("POST", INBOX_PATH, signed_post(rsa_key[0]), BODY, lookup, now=NOW)
    assert result.owner == OWNER
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]
