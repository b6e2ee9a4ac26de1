"""Password hashing with scrypt from the standard library (memory-hard, no extra dependency)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1  # about 16 MiB and a few tens of ms per hash
_DKLEN = 32
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt" or len(password) > MAX_PASSWORD_LENGTH:
        return False
    expected = base64.urlsafe_b64decode(digest + "==")
    actual = hashlib.scrypt(password.encode(), salt=base64.urlsafe_b64decode(salt + "=="),
                            n=int(n), r=int(r), p=int(p), dklen=len(expected), maxmem=64 * 2**20)
    return hmac.compare_digest(actual, expected)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
