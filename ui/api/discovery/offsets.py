"""`offset` and `limit` for the lists Mastodon pages by offset (directory, suggestions, trends)."""

from __future__ import annotations

from storage.errors import Invalid
from ui.api.paging import page_of
from ui.params import Params

MAX_OFFSET = 10_000  # deeper pages are not worth a scan


def offset_and_limit(params: Params, *, default: int, maximum: int) -> tuple[int, int]:
    """(offset, limit); a limit outside 1…maximum is clamped as Mastodon does, a bad one is refused."""
    raw = (params.text("offset") or "0").strip()
    if not raw.isascii() or not raw.isdigit():
        raise Invalid("offset must be a whole number")
    return min(int(raw), MAX_OFFSET), page_of(params, default=default, maximum=maximum).limit
