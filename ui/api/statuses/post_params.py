"""What `POST /api/v1/statuses` and `PUT /api/v1/statuses/:id` send, read into the domain's terms.

Mastodon's fields (`status`, `spoiler_text`, `sensitive`, `visibility`, `language`,
`in_reply_to_id`, `media_ids[]`, `poll[...]`, `media_attributes[]`) plus Amity's: `local_only`
(or `visibility=local`) for posts that never leave the node, `content_map[LANG]`,
`spoiler_text_map[LANG]` and `content_type` (see docs/client-api.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from actors.media.uploads import MediaChange, parse_focus
from actors.posts.polls import PollSpec
from storage.errors import Invalid
from storage.models import VISIBILITIES
from ui.params import Params, cast_bool

LOCAL = "local"  # `visibility=local`: public, but only on this node (as Hometown and Akkoma)


@dataclass(frozen=True)
class Visibility:
    visibility: str | None  # None: not sent, so the member's default
    local_only: bool


def visibility_of(params: Params) -> Visibility:
    """`visibility` (one of Mastodon's, or `local`) and the `local_only` flag."""
    chosen = params.text("visibility")
    local_only = params.flag("local_only") or False
    if chosen == LOCAL:
        return Visibility("public", True)
    if chosen is not None and chosen not in VISIBILITIES:
        raise Invalid(f"visibility must be one of: {', '.join((*VISIBILITIES, LOCAL))}")
    return Visibility(chosen, local_only)


def poll_of(params: Params) -> PollSpec | None:
    """`poll[options][]`, `poll[expires_in]`, `poll[multiple]`, `poll[hide_totals]`; None if absent."""
    raw = params.raw("poll")
    if raw is None or raw == "" or raw == {}:
        return None
    poll = params.nested("poll")
    options = poll.strings("options")
    if not options:
        raise Invalid("poll[options][] needs at least two options")
    expires = poll.text("expires_in")
    if expires is None:
        raise Invalid("poll[expires_in] is missing: how many seconds the poll runs")
    try:
        seconds = int(float(expires))
    except ValueError:
        raise Invalid("poll[expires_in] must be a number of seconds") from None
    return PollSpec(options=options, expires_in=seconds, multiple=poll.flag("multiple") or False,
                    hide_totals=poll.flag("hide_totals") or False)


def language_map(params: Params, name: str) -> dict[str, str] | None:
    """`content_map[LANG]` / `spoiler_text_map[LANG]` as {LANG: text}; None when not sent."""
    if name not in params:
        return None
    raw = params.mapping(name)
    if not all(isinstance(v, str) for v in raw.values()):
        raise Invalid(f"{name} must map language codes to text, like {name}[pt]=…")
    return {str(k): str(v) for k, v in raw.items()}


def media_changes(params: Params) -> list[MediaChange]:
    """`media_attributes[][id]`, `[description]`, `[focus]` (an edit's changes to its attachments)."""
    raw = params.raw("media_attributes")
    if raw is None:
        return []
    items: Any = list(raw.values()) if isinstance(raw, Mapping) else raw
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise Invalid("media_attributes must be a list of {id, description, focus}")
    changes = []
    for item in items:
        try:
            media_id = int(str(item.get("id")))
        except ValueError:
            raise Invalid("each of media_attributes needs the id of an attachment") from None
        focus = item.get("focus")
        description = item.get("description")
        changes.append(MediaChange(
            id=media_id, description=None if description is None else str(description),
            focus=parse_focus(str(focus)) if focus not in (None, "") else None))
    return changes


def sensitive_of(params: Params) -> bool | None:
    return cast_bool("sensitive", params.raw("sensitive"))
