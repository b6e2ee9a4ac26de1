"""HTTP Signatures: our signer, our verifier, and both against independent implementations."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms
from httpsig import HeaderSigner, HeaderVerifier
from multidict import CIMultiDict

from federation import signatures
from federation.keys import generate_rsa_keypair
from federation.signatures import (
    DigestMismatch,
    PublicKeyInfo,
    SignatureError,
    SignatureExpired,
    SignatureInvalid,
    SignatureMalformed,
    SignatureMissing,
    build_signing_string,
    digest_header,
    public_key_from_multibase,
    sign_request,
    verify_request,
)

KEY_ID = "https://remote.example/users/alice#main-key"
OWNER = "https://remote.example/users/alice"
HOST = "amity.example"
INBOX_PATH = "/users/bob/inbox"
INBOX_URL = f"https://{HOST}{INBOX_PATH}"
BODY = b'{"type":"Create","actor":"https://remote.example/users/alice"}'
AS2 = "application/activity+json"
NOW = datetime(2025, 3, 14, 15, 9, 26, tzinfo=UTC)
POST_SIGNED = ("(request-target)", "host", "date", "digest")
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

KeyPair = tuple[str, str]  # (private PEM, public PEM)


@pytest.fixture(scope="module")
def rsa_key() -> KeyPair:
    return generate_rsa_keypair()


@pytest.fixture(scope="module")
def other_rsa_key() -> KeyPair:
    return generate_rsa_keypair()


@pytest.fixture(scope="module")
def ed_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@dataclass
class Lookup:
    """A key lookup that records its calls; a refresh returns `refreshed` when given."""

    key: str
    refreshed: str | None = None
    calls: list[tuple[str, bool]] = field(default_factory=list)

    async def __call__(self, key_id: str, refresh: bool) -> PublicKeyInfo:
        self.calls.append((key_id, refresh))
        pem = self.refreshed if refresh and self.refreshed is not None else self.key
        return PublicKeyInfo(public_key_pem=pem, owner=OWNER)


@dataclass
class Message:
    """The request shape http-message-signatures signs."""

    method: str
    url: str
    headers: dict[str, str]


def http_date(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")


def sha256_digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def ed_public_pem(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def base58btc(data: bytes) -> str:
    number, text = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        text = BASE58[digit] + text
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + text


def httpsig_sign(private_pem: str, method: str, path: str, headers: dict[str, str],
                 signed: list[str]) -> dict[str, str]:
    """Sign with httpsig (an independent draft-cavage implementation)."""
    signer = HeaderSigner(KEY_ID, private_pem, algorithm="rsa-sha256", headers=signed,
                          sign_header="signature")
    return dict(signer.sign(headers, method=method, path=path))


def httpsig_post(private_pem: str, *, body: bytes = BODY, date: datetime = NOW,
                 signed: tuple[str, ...] = POST_SIGNED) -> dict[str, str]:
    headers = {"Host": HOST, "Date": http_date(date), "Digest": sha256_digest(body), "Content-Type": AS2}
    return httpsig_sign(private_pem, "POST", INBOX_PATH, headers, list(signed))


def signed_post(private_pem: str, body: bytes = BODY, now: datetime = NOW) -> dict[str, str]:
    return sign_request("POST", INBOX_URL, key_id=KEY_ID, private_key_pem=private_pem, body=body,
                        content_type=AS2, now=now)


def ed25519_post(key: Ed25519PrivateKey, algorithm: str = "hs2019") -> dict[str, str]:
    headers = {"Host": HOST, "Date": http_date(NOW), "Digest": sha256_digest(BODY)}
    signed = ["(request-target)", "host", "date", "digest"]
    text = build_signing_string(signed, method="POST", path_with_query=INBOX_PATH, headers=headers)
    signature = base64.b64encode(key.sign(text.encode())).decode()
    headers["Signature"] = (
        f'keyId="{KEY_ID}",algorithm="{algorithm}",headers="{" ".join(signed)}",signature="{signature}"'
    )
    return headers


def rfc9421_sign(message: Message, private_pem: bytes, *, body: bytes | None = BODY,
                 algorithm: type[algorithms.HTTPSignatureAlgorithm] = algorithms.RSA_V1_5_SHA256,
                 components: tuple[str, ...] = ("@method", "@target-uri", "content-type"),
                 created: datetime = NOW) -> Message:
    resolver = MappingKeyResolver(public_keys={}, private_keys={KEY_ID: private_pem})
    signer = HTTPMessageSigner(signature_algorithm=algorithm, key_resolver=resolver)
    signer.sign(message, key_id=KEY_ID, created=created, covered_component_ids=components, body=body)
    return message


def rfc9421_post(private_pem: str, **options: object) -> Message:
    message = Message("POST", INBOX_URL, {"Host": HOST, "Content-Type": AS2})
    return rfc9421_sign(message, private_pem.encode(), **options)  # type: ignore[arg-type]


# --- signing ---------------------------------------------------------------------------------


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


# --- draft-cavage verification: accepted -----------------------------------------------------


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


# --- draft-cavage verification: refused ------------------------------------------------------


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


# --- RFC 9421 ----------------------------------------------------------------------------------


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
