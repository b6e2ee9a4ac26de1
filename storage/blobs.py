"""The blob store: files (media, emoji, thumbnails) under the node's media directory.

Every file gets an unguessable random name (a capability URL, as Mastodon's media): knowing
a post's id or its author tells nothing about where its files are, and media of non-public
posts is reachable only by those who were shown the link. Names are made here, never taken
from a request, so no upload can choose where it is written. Writes go to a temporary file
first and are renamed into place: a crash leaves no half-written blob under a real name.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from storage.errors import NotFound

# <2 hex>/<2 hex>/<40 hex><.ext>: the two-level fan-out keeps directories small
_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{40}\.[a-z0-9]{1,5}$")
_SUFFIX = re.compile(r"^[a-z0-9]{1,5}$")
MEDIA_PATH = "/media/"  # where ui/ serves blobs


class BlobStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def put(self, data: bytes, *, suffix: str) -> str:
        """Store `data` under a new random key ending in `.suffix`; the key."""
        if not _SUFFIX.match(suffix):
            raise ValueError(f"a blob suffix is 1-5 lower-case letters or digits, not {suffix!r}")
        token = secrets.token_hex(20)
        key = f"{token[:2]}/{token[2:4]}/{token}.{suffix}"
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        with partial.open("xb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        partial.replace(path)
        return key

    def path(self, key: str) -> Path:
        """The file of a well-formed key (it may not exist); NotFound for anything else."""
        if not _KEY.match(key):
            raise NotFound("no such file")
        return self.root / key

    def exists(self, key: str) -> bool:
        try:
            return self.path(key).is_file()
        except NotFound:
            return False

    def read(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound("no such file") from None

    def delete(self, key: str) -> bool:
        """Remove a blob; False if it was not there."""
        try:
            self.path(key).unlink()
        except (FileNotFoundError, NotFound):
            return False
        return True

    @staticmethod
    def url(base_url: str, key: str) -> str:
        return f"{base_url}{MEDIA_PATH}{key}"
