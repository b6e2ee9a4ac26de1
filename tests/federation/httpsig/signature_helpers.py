"""Keys, fixed request parts and signers (ours, httpsig's, RFC 9421) for the signature tests."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms
from httpsig import HeaderSigner

from federation.httpsig.keys import generate_rsa_keypair
from federation.httpsig.signatures import (
    PublicKeyInfo,
    build_signing_string,
    sign_request,
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
