"""Mastodon's entities for conversations, preferences, suggestions, trends and announcements
(the shared ones are in `tests.ui.api.schemas`)."""

from __future__ import annotations

from tests.ui.api.schemas import (
    ACCOUNT,
    CARD,
    DATETIME,
    ID,
    TAG,
    URL,
    VIEWER_STATUS,
    ListOf,
    Matches,
    Nullable,
)

CONVERSATION = {"id": Matches(ID), "unread": bool, "accounts": ListOf(ACCOUNT),
                "last_status": Nullable(VIEWER_STATUS)}
PREFERENCES = {"posting:default:visibility": str, "posting:default:sensitive": bool,
               "posting:default:language": Nullable(str), "reading:expand:media": str,
               "reading:expand:spoilers": bool}
SUGGESTION = {"source": str, "sources": ListOf(str), "account": ACCOUNT}
TREND_TAG = TAG
TREND_LINK = {**CARD, "history": TAG["history"]}
REACTION = {"name": str, "count": int, "me": bool}  # url, static_url: custom emoji only
CUSTOM_REACTION = {**REACTION, "url": URL, "static_url": URL}
ANNOUNCEMENT = {"id": Matches(ID), "content": str, "starts_at": Nullable(DATETIME),
                "ends_at": Nullable(DATETIME), "all_day": bool, "published": bool, "published_at": DATETIME,
                "updated_at": DATETIME, "read": bool, "mentions": list, "statuses": list, "tags": list,
                "emojis": list, "reactions": ListOf(REACTION)}
