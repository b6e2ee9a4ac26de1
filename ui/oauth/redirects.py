"""Where the server may send a browser: registered redirect URIs and local `next` paths.

An app registers its redirect URIs once; authorization only ever redirects to one of them,
compared exactly, so the authorize endpoint can never be used as an open redirect.
`urn:ietf:wg:oauth:2.0:oob` means "show the code on the page" (command-line apps).
After signing in, `next` is followed only when it is a path on this server.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from storage.errors import Invalid

OOB = "urn:ietf:wg:oauth:2.0:oob"
MAX_REDIRECT_URIS = 10
MAX_URI_CHARS = 2000
# Schemes that would run code or read local files in the browser that follows the redirect.
_FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "about", "blob"})
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
DEFAULT_NEXT = "/auth/sign_in"


def parse_redirect_uris(value: str | list[str] | None) -> list[str]:
    """Registered redirect URIs: a list, or one string with URIs separated by whitespace."""
    items = value if isinstance(value, list) else (value or "").split()
    uris = list(dict.fromkeys(item.strip() for item in items if item.strip()))
    if not uris:
        raise Invalid("Validation failed: Redirect URI can't be blank")
    if len(uris) > MAX_REDIRECT_URIS:
        raise Invalid(f"Validation failed: at most {MAX_REDIRECT_URIS} redirect URIs")
    for uri in uris:
        check_redirect_uri(uri)
    return uris


def check_redirect_uri(uri: str) -> None:
    if uri == OOB:
        return
    if len(uri) > MAX_URI_CHARS or any(ord(c) <= 0x20 or c == "\x7f" for c in uri):
        raise Invalid("Validation failed: Redirect URI must be an absolute URI.")
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if not scheme or not _SCHEME.match(scheme) or not (parts.netloc or parts.path):
        raise Invalid("Validation failed: Redirect URI must be an absolute URI.")
    if parts.fragment or "#" in uri:
        raise Invalid("Validation failed: Redirect URI cannot contain a fragment.")
    if scheme in _FORBIDDEN_SCHEMES:
        raise Invalid(f"Validation failed: Redirect URI cannot use the {scheme}: scheme.")
    if scheme in ("http", "https") and not parts.hostname:
        raise Invalid("Validation failed: Redirect URI must be an absolute URI.")


def with_params(uri: str, params: dict[str, str | None]) -> str:
    """`uri` with `params` added to its query (existing query parameters kept)."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def form_action_source(uri: str) -> str | None:
    """The CSP `form-action` source that lets the consent form's redirect reach `uri`
    (browsers apply form-action to the redirect after a form post), or None for OOB."""
    if uri == OOB:
        return None
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        host = parts.hostname or ""
        if not re.match(r"^[A-Za-z0-9.\-\[\]:]+$", host):
            return None
        port = f":{parts.port}" if parts.port else ""
        return f"{scheme}://{host}{port}"
    return f"{scheme}:" if _SCHEME.match(scheme) else None


def safe_next(value: str | None) -> str:
    """A local path to go to after signing in; anything else (other hosts, `//host`,
    backslashes that browsers read as slashes, control characters) becomes the default."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return DEFAULT_NEXT
    if any(ord(c) < 0x20 or c == "\x7f" for c in value) or len(value) > 4096:
        return DEFAULT_NEXT
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return DEFAULT_NEXT
    return value
