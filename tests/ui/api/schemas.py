"""Mastodon's documented entities as schemas, and a checker: every documented attribute present with
its type; nullable ones null or typed. Kept in the tests so a change of shape fails a test."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ID = re.compile(r"^-?\d+$")


@dataclass(frozen=True)
class Nullable:
    inner: Any


@dataclass(frozen=True)
class ListOf:
    inner: Any


@dataclass(frozen=True)
class Matches:
    pattern: re.Pattern[str]


URL = Matches(re.compile(r"^(https?|wss?)://\S+$"))
DATETIME = Matches(ISO_DATETIME)

FIELD = {"name": str, "value": str, "verified_at": Nullable(DATETIME)}
ROLE_SHORT = {"id": Matches(ID), "name": str, "color": str}
ACCOUNT = {
    "id": Matches(ID), "username": str, "acct": str, "url": URL, "uri": URL, "display_name": str, "note": str,
    "avatar": URL, "avatar_static": URL, "header": URL, "header_static": URL, "locked": bool,
    "fields": ListOf(FIELD), "emojis": list, "bot": bool, "group": bool, "discoverable": Nullable(bool),
    "noindex": Nullable(bool), "indexable": bool, "hide_collections": bool, "roles": ListOf(ROLE_SHORT),
    "created_at": Matches(re.compile(r"^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$")),
    "last_status_at": Nullable(Matches(ISO_DATE)), "statuses_count": int, "followers_count": int,
    "following_count": int,
}
ROLE = {"id": Matches(ID), "name": str, "permissions": Matches(ID), "color": str, "highlighted": bool}
SOURCE = {"note": str, "fields": ListOf(FIELD), "privacy": str, "sensitive": bool, "language": str,
          "follow_requests_count": int}
CREDENTIAL_ACCOUNT = {**ACCOUNT, "source": SOURCE, "role": ROLE}
RELATIONSHIP = {
    "id": Matches(ID), "following": bool, "showing_reblogs": bool, "notifying": bool,
    "languages": Nullable(ListOf(str)), "followed_by": bool, "blocking": bool, "blocked_by": bool,
    "muting": bool, "muting_notifications": bool, "muting_expires_at": Nullable(DATETIME), "requested": bool,
    "requested_by": bool, "domain_blocking": bool, "endorsed": bool, "note": str,
}
APPLICATION = {"id": Matches(ID), "name": str, "website": Nullable(str), "scopes": ListOf(str),
               "redirect_uri": str, "redirect_uris": ListOf(str)}
CREDENTIAL_APPLICATION = {**APPLICATION, "client_id": str, "client_secret": str,
                          "client_secret_expires_at": int}
TOKEN = {"access_token": str, "token_type": str, "scope": str, "created_at": int}
RULE = {"id": Matches(ID), "text": str, "hint": str}
STATUSES_CONFIG = {"max_characters": int, "max_media_attachments": int, "characters_reserved_per_url": int}
MEDIA_CONFIG = {"supported_mime_types": ListOf(str), "image_size_limit": int, "image_matrix_limit": int,
                "video_size_limit": int, "video_frame_rate_limit": int, "video_matrix_limit": int}
POLLS_CONFIG = {"max_options": int, "max_characters_per_option": int, "min_expiration": int,
                "max_expiration": int}
INSTANCE_V2 = {
    "domain": str, "title": str, "version": str, "source_url": str, "description": str,
    "usage": {"users": {"active_month": int}}, "thumbnail": {"url": URL}, "languages": ListOf(str),
    "configuration": {
        "urls": {"streaming": URL}, "accounts": {"max_featured_tags": int, "max_pinned_statuses": int},
        "statuses": STATUSES_CONFIG, "media_attachments": MEDIA_CONFIG, "polls": POLLS_CONFIG,
        "translation": {"enabled": bool},
    },
    "registrations": {"enabled": bool, "approval_required": bool, "message": Nullable(str)},
    "api_versions": {"mastodon": int},
    "contact": {"email": str, "account": Nullable(ACCOUNT)},
    "rules": ListOf(RULE),
}
INSTANCE_V1 = {
    "uri": str, "title": str, "short_description": str, "description": str, "email": str, "version": str,
    "urls": {"streaming_api": URL}, "stats": {"user_count": int, "status_count": int, "domain_count": int},
    "thumbnail": Nullable(URL), "languages": ListOf(str), "registrations": bool, "approval_required": bool,
    "invites_enabled": bool,
    "configuration": {"accounts": {"max_featured_tags": int}, "statuses": STATUSES_CONFIG,
                      "media_attachments": MEDIA_CONFIG, "polls": POLLS_CONFIG},
    "contact_account": Nullable(ACCOUNT), "rules": ListOf(RULE),
}

EMOJI = {"shortcode": str, "url": URL, "static_url": URL, "visible_in_picker": bool,
         "category": Nullable(str)}
MEDIA_ATTACHMENT = {"id": Matches(ID), "type": str, "url": Nullable(URL), "preview_url": Nullable(URL),
                    "remote_url": Nullable(URL), "meta": dict, "description": Nullable(str),
                    "blurhash": Nullable(str)}
POLL = {"id": Matches(ID), "expires_at": Nullable(DATETIME), "expired": bool, "multiple": bool,
        "votes_count": int, "voters_count": Nullable(int),
        "options": ListOf({"title": str, "votes_count": Nullable(int)}), "emojis": ListOf(EMOJI)}
VIEWER_POLL = {**POLL, "voted": bool, "own_votes": ListOf(int)}
MENTION = {"id": Matches(ID), "username": str, "url": URL, "acct": str}
TAG_SHORT = {"name": str, "url": URL}
CARD = {"url": URL, "title": str, "description": str, "type": str, "author_name": str, "author_url": str,
        "provider_name": str, "provider_url": str, "html": str, "width": int, "height": int,
        "image": Nullable(URL), "embed_url": str, "blurhash": Nullable(str)}
# Filters (v2 and v1) and the FilterResult of a status's `filtered`
FILTER_CONTEXT = Matches(re.compile(r"^(home|notifications|public|thread|account)$"))
FILTER_KEYWORD = {"id": Matches(ID), "keyword": str, "whole_word": bool}
FILTER_STATUS = {"id": Matches(ID), "status_id": Matches(ID)}
FILTER_SUMMARY = {"id": Matches(ID), "title": str, "context": ListOf(FILTER_CONTEXT),
                  "expires_at": Nullable(DATETIME),
                  "filter_action": Matches(re.compile(r"^(warn|hide|blur)$"))}
FILTER = {**FILTER_SUMMARY, "keywords": ListOf(FILTER_KEYWORD), "statuses": ListOf(FILTER_STATUS)}
FILTER_RESULT = {"filter": FILTER_SUMMARY, "keyword_matches": Nullable(ListOf(str)),
                 "status_matches": Nullable(ListOf(Matches(ID)))}
V1_FILTER = {"id": Matches(ID), "phrase": str, "context": ListOf(FILTER_CONTEXT),
             "expires_at": Nullable(DATETIME), "irreversible": bool, "whole_word": bool}
STATUS_BASE = {
    "id": Matches(ID), "uri": URL, "url": Nullable(URL), "created_at": DATETIME,
    "edited_at": Nullable(DATETIME),
    "account": ACCOUNT, "content": str, "visibility": str, "sensitive": bool, "spoiler_text": str,
    "media_attachments": ListOf(MEDIA_ATTACHMENT),
    "application": Nullable({"name": str, "website": Nullable(str)}),
    "mentions": ListOf(MENTION), "tags": ListOf(TAG_SHORT), "emojis": ListOf(EMOJI),
    "reblogs_count": int, "favourites_count": int, "replies_count": int,
    "in_reply_to_id": Nullable(Matches(ID)), "in_reply_to_account_id": Nullable(Matches(ID)),
    "poll": Nullable(POLL), "card": Nullable(CARD), "language": Nullable(str),
    "filtered": ListOf(FILTER_RESULT),
}
STATUS = {**STATUS_BASE, "reblog": Nullable(STATUS_BASE)}
VIEWER_STATUS = {**STATUS, "favourited": bool, "reblogged": bool, "muted": bool, "bookmarked": bool}
STATUS_EDIT = {"content": str, "spoiler_text": str, "sensitive": bool, "created_at": DATETIME,
               "account": ACCOUNT, "media_attachments": ListOf(MEDIA_ATTACHMENT), "emojis": ListOf(EMOJI)}
STATUS_SOURCE = {"id": Matches(ID), "text": str, "spoiler_text": str}
CONTEXT = {"ancestors": ListOf(STATUS), "descendants": ListOf(STATUS)}
REPORT = {"id": Matches(ID), "action_taken": bool, "action_taken_at": Nullable(DATETIME), "category": str,
          "comment": str, "forwarded": bool, "created_at": DATETIME,
          "status_ids": Nullable(ListOf(Matches(ID))), "rule_ids": Nullable(ListOf(Matches(ID))),
          "target_account": ACCOUNT}
ADMIN_ACCOUNT = {
    "id": Matches(ID), "username": str, "domain": Nullable(str), "created_at": DATETIME,
    "email": Nullable(str), "ip": Nullable(str), "ips": ListOf({"ip": str, "used_at": DATETIME}),
    "locale": Nullable(str), "invite_request": Nullable(str), "role": Nullable(ROLE), "confirmed": bool,
    "approved": bool, "disabled": bool, "silenced": bool, "suspended": bool, "sensitized": bool,
    "account": ACCOUNT, "created_by_application_id": Nullable(Matches(ID)),
    "invited_by_account_id": Nullable(Matches(ID))}
ADMIN_REPORT = {
    "id": Matches(ID), "action_taken": bool, "action_taken_at": Nullable(DATETIME), "category": str,
    "comment": str, "forwarded": bool, "created_at": DATETIME, "updated_at": DATETIME,
    "account": ADMIN_ACCOUNT, "target_account": ADMIN_ACCOUNT, "assigned_account": Nullable(ADMIN_ACCOUNT),
    "action_taken_by_account": Nullable(ADMIN_ACCOUNT), "statuses": ListOf(STATUS), "rules": ListOf(RULE)}


# The admin API (issue 14)
HOST = {"domain": str, "state": str, "consecutive_failures": int, "failing_since": Nullable(DATETIME),
        "next_try_at": Nullable(DATETIME), "last_success_at": Nullable(DATETIME),
        "last_seen_at": Nullable(DATETIME), "last_error": Nullable(str), "last_error_at": Nullable(DATETIME),
        "queued_deliveries": int}
POLICY_RULE = {"id": Matches(ID), "kind": str, "value": str, "regex": bool, "action": str, "position": int,
               "enabled": bool, "created_by": str, "created_at": DATETIME, "rejected_count": int,
               "description": str}
AUDIT_ENTRY = {"id": Matches(ID), "created_at": DATETIME, "account_id": Nullable(Matches(ID)), "actor": str,
               "action": str, "target_type": str, "target": str, "reason": str, "details": dict}
CANONICAL_EMAIL_BLOCK = {"id": Matches(ID), "canonical_email_hash": Matches(re.compile(r"^[0-9a-f]{64}$"))}
EMAIL_DOMAIN_BLOCK = {"id": Matches(ID), "domain": str, "created_at": DATETIME, "history": list}
IP_BLOCK = {"id": Matches(ID), "ip": str, "severity": str, "comment": str, "created_at": DATETIME,
            "expires_at": Nullable(DATETIME)}
ADMIN_DOMAIN_BLOCK = {"id": Matches(ID), "domain": str, "digest": Matches(re.compile(r"^[0-9a-f]{64}$")),
                      "created_at": DATETIME, "severity": str, "reject_media": bool, "reject_reports": bool,
                      "private_comment": Nullable(str), "public_comment": Nullable(str), "obfuscate": bool}
ADMIN_DOMAIN_ALLOW = {"id": Matches(ID), "domain": str, "created_at": DATETIME}
INSTANCE_DOMAIN_BLOCK = {"domain": str, "digest": str, "severity": str, "comment": Nullable(str)}


def problems(value: Any, schema: Any, where: str = "$") -> list[str]:
    """Every way `value` differs from `schema` (empty when it conforms)."""
    if isinstance(schema, Nullable):
        return [] if value is None else problems(value, schema.inner, where)
    if isinstance(schema, ListOf):
        if not isinstance(value, list):
            return [f"{where}: expected a list, got {value!r}"]
        return [p for i, item in enumerate(value) for p in problems(item, schema.inner, f"{where}[{i}]")]
    if isinstance(schema, Matches):
        ok = isinstance(value, str) and schema.pattern.match(value)
        return [] if ok else [f"{where}: {value!r} does not match {schema.pattern.pattern}"]
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {value!r}"]
        found = [f"{where}.{key}: missing" for key in schema if key not in value]
        return found + [p for key, sub in schema.items() if key in value
                        for p in problems(value[key], sub, f"{where}.{key}")]
    if schema is int and isinstance(value, bool):
        return [f"{where}: expected an integer, got {value!r}"]
    return [] if isinstance(value, schema) else [f"{where}: expected {schema.__name__}, got {value!r}"]


def assert_entity(value: Any, schema: Any) -> None:
    found = problems(value, schema)
    assert not found, "\n".join(found)

# Entities of the list and search endpoints (GET rows checked by test_entity_shapes.py).
NUMBER_STRING = Matches(re.compile(r"^\d+$"))
TAG_HISTORY = {"day": NUMBER_STRING, "uses": NUMBER_STRING, "accounts": NUMBER_STRING}
TAG = {"name": str, "url": URL, "history": ListOf(TAG_HISTORY)}
VIEWER_TAG = {**TAG, "following": bool}
SEARCH = {"accounts": ListOf(ACCOUNT), "statuses": ListOf(VIEWER_STATUS), "hashtags": ListOf(VIEWER_TAG)}
ACTIVITY_WEEK = {"week": NUMBER_STRING, "statuses": NUMBER_STRING, "logins": NUMBER_STRING,
                 "registrations": NUMBER_STRING}
FAMILIAR_FOLLOWERS = {"id": Matches(ID), "accounts": ListOf(ACCOUNT)}
MUTED_ACCOUNT = {**ACCOUNT, "mute_expires_at": Nullable(DATETIME)}
DOMAIN = Matches(re.compile(r"^[a-z0-9.-]+$"))

# Notifications (v1 and grouped v2) and markers.
REPORT = {"id": Matches(ID), "action_taken": bool, "action_taken_at": Nullable(DATETIME), "category": str,
          "comment": str, "forwarded": bool, "created_at": DATETIME, "status_ids": Nullable(ListOf(str)),
          "rule_ids": Nullable(ListOf(str)), "target_account": ACCOUNT}
NOTIFICATION = {"id": Matches(ID), "type": str, "created_at": DATETIME, "group_key": str, "account": ACCOUNT}
STATUS_NOTIFICATION = {**NOTIFICATION, "status": VIEWER_STATUS}
REPORT_NOTIFICATION = {**NOTIFICATION, "report": REPORT}
COUNT = {"count": int}
MARKER = {"last_read_id": Matches(ID), "version": int, "updated_at": DATETIME}
NOTIFICATION_GROUP = {
    "group_key": str, "notifications_count": int, "type": str, "most_recent_notification_id": Matches(ID),
    "sample_account_ids": ListOf(Matches(ID)),
}
PAGED_GROUP = {**NOTIFICATION_GROUP, "page_min_id": Matches(ID), "page_max_id": Matches(ID),
               "latest_page_notification_at": DATETIME}
PARTIAL_ACCOUNT = {"id": Matches(ID), "acct": str, "url": URL, "avatar": URL, "avatar_static": URL,
                   "locked": bool, "bot": bool}
GROUPED_NOTIFICATIONS = {"accounts": ListOf(ACCOUNT), "statuses": ListOf(VIEWER_STATUS),
                         "notification_groups": ListOf(PAGED_GROUP)}
NOTIFICATION_REQUEST = {"id": Matches(ID), "created_at": DATETIME, "updated_at": DATETIME, "account": ACCOUNT,
                        "notifications_count": Matches(ID), "last_status": VIEWER_STATUS}
POLICY_VALUE = Matches(re.compile(r"^(accept|filter|drop)$"))
NOTIFICATION_POLICY = {"for_not_following": POLICY_VALUE, "for_not_followers": POLICY_VALUE,
                       "for_new_accounts": POLICY_VALUE, "for_private_mentions": POLICY_VALUE,
                       "for_limited_accounts": POLICY_VALUE,
                       "summary": {"pending_requests_count": int, "pending_notifications_count": int}}
# lists, featured tags (issue 13, lists)
REPLIES_POLICY = Matches(re.compile(r"^(followed|list|none)$"))
LIST = {"id": Matches(ID), "title": str, "replies_policy": REPLIES_POLICY, "exclusive": bool}
FEATURED_TAG = {"id": Matches(ID), "name": str, "url": URL, "statuses_count": int,
                "last_status_at": Nullable(DATETIME)}
# Issue 13, part 4: scheduled statuses, translation, the instance's long texts.
SCHEDULED_PARAMS = {"text": Nullable(str), "poll": Nullable(dict), "media_ids": Nullable(ListOf(str)),
                    "sensitive": Nullable(bool), "spoiler_text": Nullable(str), "visibility": Nullable(str),
                    "in_reply_to_id": Nullable(str), "language": Nullable(str),
                    "application_id": Nullable(int), "scheduled_at": Nullable(str),
                    "idempotency": Nullable(str), "with_rate_limit": bool}
SCHEDULED_STATUS = {"id": Matches(ID), "scheduled_at": DATETIME, "params": SCHEDULED_PARAMS,
                    "media_attachments": ListOf(MEDIA_ATTACHMENT)}
TRANSLATION = {"content": str, "spoiler_text": str, "poll": Nullable(dict), "media_attachments": list,
               "detected_source_language": str, "language": str, "provider": str}
EXTENDED_DESCRIPTION = {"updated_at": Nullable(DATETIME), "content": str}
PRIVACY_POLICY = {"updated_at": DATETIME, "content": str}
TERMS_OF_SERVICE = {"effective_date": Matches(ISO_DATE), "effective": bool, "content": str,
                    "succeeded_by": Nullable(Matches(ISO_DATE))}
