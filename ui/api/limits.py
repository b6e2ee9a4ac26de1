"""The instance's `configuration` block: the limits apps use to shape what they send.

Values come from node config where the server enforces one (`max_status_chars`,
`max_upload_bytes`). The rest are Mastodon 4.3's defaults, marked TODO: the media and poll
work must enforce exactly these (or change them here) so the block stays truthful.
"""

from __future__ import annotations

from typing import Any

from actors.profile import MAX_DISPLAY_NAME, MAX_FIELDS, MAX_NOTE
from storage.config import NodeConfig

FIELD_NAME_LIMIT = 255  # profile fields, checked by update_credentials
FIELD_VALUE_LIMIT = 255
CHARACTERS_RESERVED_PER_URL = 23  # TODO(content): the composer counts URLs at full length today
MAX_MEDIA_ATTACHMENTS = 4  # TODO(media): enforce when attaching media to a status
MAX_FEATURED_TAGS = 10  # TODO(accounts part 2): featured tags
MAX_PINNED_STATUSES = 5  # TODO(statuses): pins
MEDIA_DESCRIPTION_LIMIT = 1500  # TODO(media): alt text length
IMAGE_MATRIX_LIMIT = 33_177_600  # TODO(media): pixels (width x height) of an uploaded image
VIDEO_MATRIX_LIMIT = 8_294_400  # TODO(media)
VIDEO_FRAME_RATE_LIMIT = 120  # TODO(media)
# TODO(media): the types the media processor really accepts.
SUPPORTED_MIME_TYPES = (
    "image/jpeg", "image/png", "image/gif", "image/heic", "image/heif", "image/webp", "image/avif",
    "video/webm", "video/mp4", "video/quicktime", "video/ogg",
    "audio/wave", "audio/wav", "audio/x-wav", "audio/x-pn-wave", "audio/vnd.wave", "audio/ogg",
    "audio/vorbis", "audio/mpeg", "audio/mp3", "audio/webm", "audio/flac", "audio/aac", "audio/m4a",
    "audio/x-m4a", "audio/mp4", "audio/3gpp", "video/x-ms-asf",
)
POLL_MAX_OPTIONS = 4  # TODO(polls): enforce in posting
POLL_MAX_CHARACTERS_PER_OPTION = 50  # TODO(polls)
POLL_MIN_EXPIRATION = 300  # TODO(polls): seconds
POLL_MAX_EXPIRATION = 2_629_746  # TODO(polls): seconds (a month)


def statuses(config: NodeConfig) -> dict[str, int]:
    return {"max_characters": config.limits.max_status_chars, "max_media_attachments": MAX_MEDIA_ATTACHMENTS,
            "characters_reserved_per_url": CHARACTERS_RESERVED_PER_URL}


def media_attachments(config: NodeConfig) -> dict[str, Any]:
    upload = config.limits.max_upload_bytes
    return {"supported_mime_types": list(SUPPORTED_MIME_TYPES), "description_limit": MEDIA_DESCRIPTION_LIMIT,
            "image_size_limit": upload, "image_matrix_limit": IMAGE_MATRIX_LIMIT,
            "video_size_limit": upload, "video_frame_rate_limit": VIDEO_FRAME_RATE_LIMIT,
            "video_matrix_limit": VIDEO_MATRIX_LIMIT}


def polls() -> dict[str, int]:
    return {"max_options": POLL_MAX_OPTIONS, "max_characters_per_option": POLL_MAX_CHARACTERS_PER_OPTION,
            "min_expiration": POLL_MIN_EXPIRATION, "max_expiration": POLL_MAX_EXPIRATION}


def accounts() -> dict[str, int]:
    return {"max_featured_tags": MAX_FEATURED_TAGS, "max_pinned_statuses": MAX_PINNED_STATUSES,
            "max_display_name_length": MAX_DISPLAY_NAME, "max_note_length": MAX_NOTE,
            "max_profile_fields": MAX_FIELDS, "profile_field_name_limit": FIELD_NAME_LIMIT,
            "profile_field_value_limit": FIELD_VALUE_LIMIT}
