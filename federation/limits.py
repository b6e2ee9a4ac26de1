"""Caps on what other servers send us: one home for every size limit on remote content.

A remote document is already bounded by the inbox body cap (1 MiB) or the fetch cap (2 MiB);
these caps bound what one post or profile may become in our tables and in every app's
timeline. Each is well above what Mastodon itself produces (its own posts: 500 characters, 4
attachments, 4 poll options of 50 characters, 4 profile fields, 30-character display names,
500-character notes), so real posts from any known implementation pass untouched; long-form
servers (Article, Page) are the reason for the generous content cap. Text is truncated (after
sanitizing for plain text; HTML is cut *before* sanitizing, so the sanitizer closes what the
cut opened); lists keep their first items. Documented in docs/federation.md ("Limits").
"""

from __future__ import annotations

MAX_URI_CHARS = 2048  # ids and URLs; a longer one is dropped, never cut
MAX_CONTENT_CHARS = 100_000  # HTML of a post's content (per language), before sanitizing
MAX_SUMMARY_CHARS = 1_500  # a content warning (plain text)
MAX_LANGUAGES = 16  # versions kept in `contentMap` / `summaryMap`
MAX_LANGUAGE_CHARS = 16  # a language tag
MAX_ARTICLE_NAME_CHARS = 500  # an Article's title, shown above its content
MAX_NAME_CHARS = 255  # display name, preferredUsername, profile field name
MAX_NOTE_CHARS = 10_000  # profile note (summary), HTML before sanitizing
MAX_FIELDS = 16  # profile fields (PropertyValue)
MAX_FIELD_VALUE_CHARS = 2_047  # one profile field value, HTML before sanitizing
MAX_ALSO_KNOWN_AS = 20  # aliases of an actor (a Move needs only one)
MAX_EDITS = 100  # stored earlier versions of one post; beyond it the oldest are dropped
MAX_MENTIONS = 100  # mentions (and directly addressed actors) per post
MAX_TAGS = 50  # hashtags per post
MAX_EMOJIS = 50  # custom emoji per post
MAX_ATTACHMENTS = 16  # attachments per remote post (Mastodon's remote cap too)
MAX_DESCRIPTION_CHARS = 1_500  # an attachment's alt text (Mastodon's own cap)
MAX_POLL_OPTIONS = 32  # options of a remote poll
MAX_POLL_OPTION_CHARS = 200  # one option's text
