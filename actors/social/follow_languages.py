"""The languages a member follows an account in (Mastodon's `languages[]` on follow): only the
account's posts in one of them reach the member's home timeline. Posts without a language
always do, as do boosts (Mastodon's boosts carry no language). None means every language.
Which posts that lets through is part of the home-timeline rule (`actors.reading.home_membership`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from storage.errors import Invalid

MAX_LANGUAGES = 20
_ISO_639 = re.compile(r"^[a-z]{2,3}$")  # as a member's own language (ISO 639-1, or 639-3 as Mastodon)


def follow_languages(values: Iterable[str]) -> list[str] | None:
    """The chosen codes, validated, without repeats; None (every language) when none is chosen."""
    chosen: list[str] = []
    for value in values:
        code = value.strip().lower()
        if not code:
            continue
        if not _ISO_639.match(code):
            raise Invalid(f"languages: {value[:20]!r} is not an ISO 639-1 language code such as en or pt")
        if code not in chosen:
            chosen.append(code)
    if len(chosen) > MAX_LANGUAGES:
        raise Invalid(f"at most {MAX_LANGUAGES} languages")
    return chosen or None
