"""Reading filter parameters as clients send them: `context[]`, `expires_in` (seconds, empty for
never), `keywords_attributes` as a list (JSON) or a hash of index to attributes (forms)."""

from __future__ import annotations

from datetime import datetime

from actors.social.filters import KeywordChange, expiry
from storage.errors import Invalid
from ui.api.routing import parse_id
from ui.params import Params, cast_bool

MAX_ATTRIBUTES = 1000  # entries read from keywords_attributes; the per-filter cap is checked later


def expires_at(params: Params) -> datetime | None:
    raw = params.raw("expires_in")
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).strip().isdigit():
        raise Invalid("expires_in must be a number of seconds")
    return expiry(int(str(raw).strip()))


def keyword_changes(params: Params) -> list[KeywordChange]:
    raw = params.raw("keywords_attributes")
    if raw is None:
        return []
    entries = list(raw.values()) if isinstance(raw, dict) else raw
    if not isinstance(entries, list) or any(not isinstance(e, dict) for e in entries):
        raise Invalid("keywords_attributes must be a list of {keyword, whole_word, id, _destroy}")
    if len(entries) > MAX_ATTRIBUTES:
        raise Invalid(f"keywords_attributes takes at most {MAX_ATTRIBUTES} entries")
    return [_change(Params(e)) for e in entries]


def _change(entry: Params) -> KeywordChange:
    raw_id = entry.text("id")
    keyword_id = None
    if raw_id:
        keyword_id = parse_id(raw_id)
        if keyword_id is None:
            raise Invalid("keywords_attributes id must be a keyword's id")
    return KeywordChange(keyword_id, entry.text("keyword"), entry.flag("whole_word"),
                         bool(cast_bool("_destroy", entry.raw("_destroy"))))
