"""The blob store: random names, atomic writes, no key from outside reaches another path."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.blobs import BlobStore
from storage.errors import NotFound


def test_each_blob_gets_its_own_unguessable_name(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    first, second = store.put(b"one", suffix="png"), store.put(b"one", suffix="png")
    assert first != second
    assert store.read(first) == b"one" and first.endswith(".png")
    assert len(Path(first).stem) == 40
    assert not list(tmp_path.rglob("*.partial"))


@pytest.mark.parametrize("key", [
    "../../etc/passwd", "/etc/passwd", "ab/cd/../../../x.png", "ab/cd/" + "0" * 40 + ".png/../x",
    "ab/cd/" + "g" * 40 + ".png", "AB/CD/" + "0" * 40 + ".png", "ab/cd/" + "0" * 40 + ".html\x00.png",
])
def test_a_key_not_made_here_is_not_found(tmp_path: Path, key: str) -> None:
    store = BlobStore(tmp_path / "media")
    (tmp_path / "secret.txt").write_text("secret")
    with pytest.raises(NotFound):
        store.read(key)
    assert store.delete(key) is False
    assert (tmp_path / "secret.txt").exists()


@pytest.mark.parametrize("suffix", ["", "../x", "HTML", "toolong", "p/g"])
def test_a_suffix_cannot_carry_a_path(tmp_path: Path, suffix: str) -> None:
    with pytest.raises(ValueError):
        BlobStore(tmp_path).put(b"x", suffix=suffix)
    assert not any(tmp_path.rglob("*"))


def test_delete(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    key = store.put(b"x", suffix="jpg")
    assert store.delete(key) is True
    assert store.exists(key) is False
    assert store.delete(key) is False
