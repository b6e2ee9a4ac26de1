"""Signers for the outbound client: requests signed with a local actor's key."""

from __future__ import annotations

from federation.client import Signer
from federation.httpsig.signatures import sign_request
from storage.models import Actor


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
