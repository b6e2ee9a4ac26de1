"""The instance's `configuration` block: the limits apps use to shape what they send.

Statuses and media limits come from node config (what the server enforces; the media part is
the media pipeline's own `api_limits`). Poll limits are Mastodon 4.3's defaults, marked TODO:
the poll work must enforce exactly these (or change them here) so the block stays truthful.
"""

from __future__ import annotations

from typing import Any

from actors.media import api_limits
from actors.profile import MAX_DISPLAY_NAME, MAX_FIELDS, MAX_NOTE
from storage.config import NodeConfig

FIELD_NAME_LIMIT = 255  # profile fields, checked by update_credentials
FIELD_VALUE_LIMIT = 255
CHARACTERS_RESERVED_PER_URL = 23  # TODO(content): the composer counts URLs at full length today
MAX_FEATURED_TAGS = 10  # TODO(accounts part 2): featured tags
MAX_PINNED_STATUSES = 5  # actors.relations.MAX_PINS enforces it
# Amity stores videos as uploaded and checks neither of these; typed apps (Swift, Kotlin) need
# integers here, so Mastodon's values stand in: anything an app sends within them is accepted.
UNCHECKED_VIDEO_LIMITS = {"video_frame_rate_limit": 120, "video_matrix_limit": 8_294_400}
POLL_MAX_OPTIONS = 4  # TODO(polls): enforce in posting
POLL_MAX_CHARACTERS_PER_OPTION = 50  # TODO(polls)
POLL_MIN_EXPIRATION = 300  # TODO(polls): seconds
POLL_MAX_EXPIRATION = 2_629_746  # TODO(polls): seconds (a month)


def statuses(config: NodeConfig) -> dict[str, int]:
    return {"max_characters": config.limits.max_status_chars,
            "max_media_attachments": config.limits.max_media_attachments,
            "characters_reserved_per_url": CHARACTERS_RESERVED_PER_URL}


def media_attachments(config: NodeConfig) -> dict[str, Any]:
    """The media pipeline's own report (`actors.media.api_limits`), integers where it has none."""
    reported = {k: v for k, v in api_limits(config).items() if k != "max_media_attachments"}
    return reported | {k: v for k, v in UNCHECKED_VIDEO_LIMITS.items() if reported.get(k) is None}


def polls() -> dict[str, int]:
    return {"max_options": POLL_MAX_OPTIONS, "max_characters_per_option": POLL_MAX_CHARACTERS_PER_OPTION,
            "min_expiration": POLL_MIN_EXPIRATION, "max_expiration": POLL_MAX_EXPIRATION}


def accounts() -> dict[str, int]:
    return {"max_featured_tags": MAX_FEATURED_TAGS, "max_pinned_statuses": MAX_PINNED_STATUSES,
            "max_display_name_length": MAX_DISPLAY_NAME, "max_note_length": MAX_NOTE,
            "max_profile_fields": MAX_FIELDS, "profile_field_name_limit": FIELD_NAME_LIMIT,
            "profile_field_value_limit": FIELD_VALUE_LIMIT}
