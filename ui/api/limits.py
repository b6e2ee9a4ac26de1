"""The instance's `configuration` block: the limits apps use to shape what they send.

Every number is the one the server enforces, read from where it is enforced: statuses, media
and polls from node config (through the media and poll modules' own `api_limits`), accounts
from `actors.accounts.profile` and `actors.social.relations`. tests/ui/api/test_reported_limits.py holds each
one to its check.
"""

from __future__ import annotations

from typing import Any

from actors.accounts.profile import (
    MAX_DISPLAY_NAME,
    MAX_FIELD_NAME,
    MAX_FIELD_VALUE,
    MAX_FIELDS,
    MAX_NOTE,
)
from actors.media.uploads import api_limits
from actors.posts import polls as poll_rules
from actors.posts.compose import URL_WEIGHT
from actors.social.relations import MAX_PINS
from storage.config import NodeConfig

MAX_FEATURED_TAGS = 10  # featured tags are not built yet: nothing to enforce, Mastodon's number


def statuses(config: NodeConfig) -> dict[str, int]:
    return {"max_characters": config.limits.max_status_chars,
            "max_media_attachments": config.limits.max_media_attachments,
            "characters_reserved_per_url": URL_WEIGHT}


def media_attachments(config: NodeConfig) -> dict[str, Any]:
    """The media pipeline's own report (`actors.media.uploads.api_limits`)."""
    return {k: v for k, v in api_limits(config).items() if k != "max_media_attachments"}


def polls(config: NodeConfig) -> dict[str, int]:
    return poll_rules.api_limits(config.limits)


def accounts() -> dict[str, int]:
    return {"max_featured_tags": MAX_FEATURED_TAGS, "max_pinned_statuses": MAX_PINS,
            "max_display_name_length": MAX_DISPLAY_NAME, "max_note_length": MAX_NOTE,
            "max_profile_fields": MAX_FIELDS, "profile_field_name_limit": MAX_FIELD_NAME,
            "profile_field_value_limit": MAX_FIELD_VALUE}
