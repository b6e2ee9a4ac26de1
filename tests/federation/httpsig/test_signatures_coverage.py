"""What an inbound signature must cover, for draft-cavage and RFC 9421: a POST signs its
target, host, date and digest; the signed Host is this server; RSA keys are 2,048 bits or more.
Each refusal that the request alone shows happens before any key look-up."""

from __future__ import annotations

import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from federation.httpsig.signatures import (
    SignatureError,
    SignatureInvalid,
    SignatureMalformed,
    SignatureMissing,
    sign_request,
    signature_key_id,
    verify_request,
)
from tests.federation.httpsig.signature_helpers import (
    BODY,
    HOST,
    INBOX_PATH,
    KEY_ID,
    NOW,
    KeyPair,
    Lookup,
    httpsig_post,
    rfc9421_post,
    rsa_key,
    signed_post,
)

__all__ = ["rsa_key"]  # fixture from signature_helpers


@pytest.mark.parametrize("left_out", ["host", "digest", "(request-target)"])
async def test_a_post_must_sign_target_host_date_and_digest(rsa_key: KeyPair, left_out: str) -> None:
    signed = tuple(name for name in ("(request-target)", "host", "date", "digest") if name != left_out)
    lookup = Lookup(rsa_key[1])
    with pytest.raises(SignatureError, match=re.escape(f"must cover {left_out}")):
        await verify_request("POST", INBOX_PATH, httpsig_post(rsa_key[0], signed=signed), BODY, lookup,
                             now=NOW, host=HOST)
    assert lookup.calls == []


async def test_a_post_signed_for_another_server_is_refused(rsa_key: KeyPair) -> None:
    lookup = Lookup(rsa_key[1])
    with pytest.raises(SignatureError, match="not this server"):
        await verify_request("POST", INBOX_PATH, signed_post(rsa_key[0]), BODY, lookup, now=NOW,
                             host="other.example")
    assert lookup.calls == []


async def test_the_signed_host_may_carry_the_default_port(rsa_key: KeyPair) -> None:
    headers = sign_request("POST", f"https://{HOST}:443{INBOX_PATH}", key_id=KEY_ID,
                           private_key_pem=rsa_key[0], body=BODY, now=NOW)
    result = await verify_request("POST", INBOX_PATH, headers, BODY, Lookup(rsa_key[1]), now=NOW, host=HOST)
    assert result.key_id == KEY_ID


async def test_an_rfc9421_post_signed_for_another_server_is_refused(rsa_key: KeyPair) -> None:
    message = rfc9421_post(rsa_key[0])
    lookup = Lookup(rsa_key[1])
    with pytest.raises(SignatureError, match="not this server"):
        await verify_request("POST", INBOX_PATH, message.headers, BODY, lookup, now=NOW, host="other.example")
    assert lookup.calls == []
    accepted = await verify_request("POST", INBOX_PATH, message.headers, BODY, lookup, now=NOW, host=HOST)
    assert accepted.key_id == KEY_ID


async def test_an_rfc9421_post_must_cover_its_authority(rsa_key: KeyPair) -> None:
    message = rfc9421_post(rsa_key[0], components=("@method", "@path", "content-type"))
    lookup = Lookup(rsa_key[1])
    with pytest.raises(SignatureError, match="@authority"):
        await verify_request("POST", INBOX_PATH, message.headers, BODY, lookup, now=NOW, host=HOST)
    assert lookup.calls == []


@pytest.fixture(scope="module")
def weak_key() -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


async def test_an_rsa_key_under_2048_bits_is_refused_with_a_clear_reason(weak_key: KeyPair) -> None:
    lookup = Lookup(weak_key[1])
    with pytest.raises(SignatureInvalid, match="RSA-1024: RSA keys under 2048 bits are refused"):
        await verify_request("POST", INBOX_PATH, signed_post(weak_key[0]), BODY, lookup, now=NOW, host=HOST)
    assert lookup.calls == [(KEY_ID, False)]  # a refetch would not make the key longer


async def test_an_rfc9421_rsa_key_under_2048_bits_is_refused(weak_key: KeyPair) -> None:
    message = rfc9421_post(weak_key[0])
    with pytest.raises(SignatureInvalid, match="RSA-1024"):
        await verify_request("POST", INBOX_PATH, message.headers, BODY, Lookup(weak_key[1]), now=NOW)


@pytest.mark.parametrize(("value", "reason"), [
    (f'keyId="{KEY_ID}",headers="date",signature="c2ln",x-keyid="https://other.example/k"', "unknown"),
    (f'keyId="{KEY_ID}",headers="date",signature="c2ln",keyId="https://other.example/k"', "repeats"),
    (f'keyId={KEY_ID},headers="date",signature="c2ln"', "not quoted"),
])
def test_the_signature_header_parser_refuses_decoys(value: str, reason: str) -> None:
    with pytest.raises(SignatureMalformed, match=reason):
        signature_key_id({"Signature": value})


def test_the_claimed_key_id_is_the_one_verification_uses(rsa_key: KeyPair) -> None:
    assert signature_key_id(signed_post(rsa_key[0])) == KEY_ID
    assert signature_key_id(rfc9421_post(rsa_key[0]).headers) == KEY_ID
    with pytest.raises(SignatureMissing):
        signature_key_id({"Host": HOST})
