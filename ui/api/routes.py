"""The client API's route table: every route under `/api/`, in registration order, one row each.

A row is `route(method, path, handler, access, limit, statuses=…)`:

- `access` is who may call it, and wraps the handler with the check (`ui.api.auth`):
  `member(scopes…)` a member's token with one of the scopes, `app_token(scopes…)` any valid
  token (an app's own too), `if_token(scopes…)` anyone, but a token that is sent must be valid
  and in scope, `PUBLIC` no token is looked at. The scope lives here only.
- `limit` is the rate-limit bucket the request counts against (`ui.ratelimit.BUCKETS`), or None.
- `statuses` says whether the answer renders statuses (Status entities, through
  `ui.api.statuses.entity` or the status cache).

Both `/path` and `/path/` are served (`ui.api.routing.add`). The rows marked ORDER have a fixed
segment where a later row has `{id}` (`/accounts/search`, `/accounts/{id}`): they are kept
first, as older aiohttp matched in registration order (the aiohttp we require looks a fixed
path up before any pattern); `tests/ui/api/test_routes.py` checks every row answers its path.
`docs/client-api.md`'s coverage table is checked against this table (tests/ui/api/test_coverage.py).
"""

from __future__ import annotations

from ui.api import (
    apps,
    custom_emojis,
    endorsements,
    featured_tags,
    instance,
    instance_texts,
    lists,
    markers,
    reports,
    search,
    tags,
    timelines,
)
from ui.api.accounts import (
    followers,
    many,
    profile_images,
    profiles,
    registration,
    relation_lists,
    relationships,
)
from ui.api.admin import accounts as admin_accounts
from ui.api.admin import audit_log, domain_rules, signup_blocks
from ui.api.admin import hosts as admin_hosts
from ui.api.admin import policies as admin_policies
from ui.api.admin import reports as admin_reports
from ui.api.auth import PUBLIC, app_token, if_token, member, staff
from ui.api.discovery import announcements, conversations, directory, preferences, trends
from ui.api.filters import rules as filter_rules
from ui.api.filters import v1 as filters_v1
from ui.api.filters import v2 as filters_v2
from ui.api.notifications import policy as notification_policy
from ui.api.notifications import requests as notification_requests
from ui.api.notifications import v1 as notifications
from ui.api.notifications import v2 as grouped_notifications
from ui.api.routing import Route, route
from ui.api.statuses import actions, attachments, crud, polls, scheduled, translate

ACCOUNTS = "/api/v1/accounts"
STATUS = "/api/v1/statuses/{id}"
FILTERS = "/api/v2/filters"

ADMIN_BLOCKS = "/api/v1/admin/domain_blocks"
ADMIN_ALLOWS = "/api/v1/admin/domain_allows"
FEDERATION = "manage_federation"
ADMIN_REPORTS = "/api/v1/admin/reports"
REPORTS = "manage_reports"
# issue 14, accounts: account actions and sign-up blocks
ADMIN_ACCOUNTS = "/api/v1/admin/accounts"
ADMIN_ACCOUNT = "/api/v1/admin/accounts/{id}"
ADMIN_CANONICAL = "/api/v1/admin/canonical_email_blocks"
ADMIN_EMAIL_DOMAINS = "/api/v1/admin/email_domain_blocks"
ADMIN_IPS = "/api/v1/admin/ip_blocks"
USERS, BLOCKS = "manage_users", "manage_blocks"
READ_ACCOUNTS, WRITE_ACCOUNTS = "admin:read:accounts", "admin:write:accounts"

ROUTES: list[Route] = [
    # method, path, handler, access, rate-limit bucket, renders statuses
    route("POST", "/api/v1/apps", apps.create, PUBLIC, None, statuses=False),
    route("GET", "/api/v1/apps/verify_credentials", apps.verify_credentials,
          app_token(), None, statuses=False),

    route("GET", "/api/v1/instance", instance.instance_v1, PUBLIC, None, statuses=False),
    route("GET", "/api/v2/instance", instance.instance_v2, PUBLIC, None, statuses=False),
    # peers, activity: members only in allowlist mode (the handler reads the token itself)
    route("GET", "/api/v1/instance/peers", instance.peers, PUBLIC, None, statuses=False),
    route("GET", "/api/v1/instance/activity", instance.activity, PUBLIC, None, statuses=False),
    route("GET", "/api/v1/instance/rules", instance.instance_rules, PUBLIC, None, statuses=False),
    # members only or hidden as the domain_blocks_visibility setting says (the handler checks)
    route("GET", "/api/v1/instance/domain_blocks", instance.domain_blocks, PUBLIC, None, statuses=False),

    route("GET", "/api/v1/follow_requests", relation_lists.follow_requests,
          member("read:follows", "follow"), None, statuses=False),
    route("GET", "/api/v1/blocks", relation_lists.list_blocks,
          member("read:blocks", "follow"), None, statuses=False),
    route("GET", "/api/v1/mutes", relation_lists.list_mutes,
          member("read:mutes", "follow"), None, statuses=False),
    route("GET", "/api/v1/domain_blocks", relation_lists.list_domain_blocks,
          member("read:blocks", "follow"), None, statuses=False),
    route("POST", "/api/v1/domain_blocks", relation_lists.add_domain_block,
          member("write:blocks", "follow"), None, statuses=False),
    route("DELETE", "/api/v1/domain_blocks", relation_lists.remove_domain_block,
          member("write:blocks", "follow"), None, statuses=False),
    # ORDER: before `/accounts/{id}` (`familiar_followers` is not an id)
    route("GET", f"{ACCOUNTS}/familiar_followers", relation_lists.familiar_followers,
          member("read:follows", "follow"), None, statuses=False),

    route("GET", "/api/v1/custom_emojis", custom_emojis.custom_emojis, if_token(), None, statuses=False),

    # ORDER: before `/accounts/{id}` (`search` is not an id)
    route("GET", f"{ACCOUNTS}/search", followers.account_search,
          member("read:accounts"), "search", statuses=False),
    route("GET", f"{ACCOUNTS}/{{id}}/followers", followers.followers,
          if_token("read:accounts"), None, statuses=False),
    route("GET", f"{ACCOUNTS}/{{id}}/following", followers.following,
          if_token("read:accounts"), None, statuses=False),

    # ORDER: the fixed names before `/accounts/{id}`
    route("GET", f"{ACCOUNTS}/verify_credentials", profiles.verify_credentials,
          member("read:accounts", "profile"), None, statuses=False),
    route("PATCH", f"{ACCOUNTS}/update_credentials", profiles.update_credentials,
          member("write:accounts"), None, statuses=False),
    route("GET", f"{ACCOUNTS}/lookup", profiles.lookup, if_token("read:accounts"), None, statuses=False),
    route("GET", f"{ACCOUNTS}/relationships", profiles.list_relationships,
          member("read:follows"), None, statuses=False),
    route("GET", f"{ACCOUNTS}/{{id}}", profiles.show, if_token("read:accounts"), None, statuses=False),

    route("DELETE", "/api/v1/profile/avatar", profile_images.delete_avatar,
          member("write:accounts"), None, statuses=False),
    route("DELETE", "/api/v1/profile/header", profile_images.delete_header,
          member("write:accounts"), None, statuses=False),

    route("POST", f"{ACCOUNTS}/{{id}}/follow", relationships.follow,
          member("write:follows"), None, statuses=False),
    route("POST", f"{ACCOUNTS}/{{id}}/unfollow", relationships.unfollow,
          member("write:follows"), None, statuses=False),
    route("POST", f"{ACCOUNTS}/{{id}}/remove_from_followers", relationships.remove_from_followers,
          member("write:follows"), None, statuses=False),
    route("POST", f"{ACCOUNTS}/{{id}}/block", relationships.block,
          member("write:blocks"), None, statuses=False),
    route("POST", f"{ACCOUNTS}/{{id}}/unblock", relationships.unblock,
          member("write:blocks"), None, statuses=False),
    route("POST", f"{ACCOUNTS}/{{id}}/mute", relationships.mute, member("write:mutes"), None, statuses=False),
    route("POST", f"{ACCOUNTS}/{{id}}/unmute", relationships.unmute,
          member("write:mutes"), None, statuses=False),
    route("POST", "/api/v1/follow_requests/{id}/authorize", relationships.authorize,
          member("write:follows"), None, statuses=False),
    route("POST", "/api/v1/follow_requests/{id}/reject", relationships.reject,
          member("write:follows"), None, statuses=False),

    # sign-up: the app's own token
    route("POST", ACCOUNTS, registration.create_account,
          app_token("write:accounts"), "sign_up", statuses=False),

    route("GET", "/api/v2/search", search.search, if_token("read:search"), "search", statuses=True),

    # any valid token: Mastodon checks no scope here
    route("GET", "/api/v1/tags/{name}", tags.show, if_token(), None, statuses=False),

    # home: the token's lookup kept for seconds (ui.recent)
    route("GET", "/api/v1/timelines/home", timelines.home,
          member("read:statuses", remembered=True), None, statuses=True),
    route("GET", "/api/v1/timelines/public", timelines.public,
          if_token("read:statuses"), None, statuses=True),
    route("GET", "/api/v1/timelines/tag/{hashtag}", timelines.tag,
          if_token("read:statuses"), None, statuses=True),
    route("GET", f"{ACCOUNTS}/{{id}}/statuses", timelines.account_statuses,
          if_token("read:statuses"), None, statuses=True),
    route("GET", "/api/v1/bookmarks", timelines.bookmarks, member("read:bookmarks"), None, statuses=True),
    route("GET", "/api/v1/favourites", timelines.favourites, member("read:favourites"), None, statuses=True),

    route("POST", "/api/v1/statuses", crud.create, member("write:statuses"), "statuses", statuses=True),
    route("GET", "/api/v1/statuses", crud.show_many, if_token("read:statuses"), None, statuses=True),
    route("GET", STATUS, crud.show, if_token("read:statuses"), None, statuses=True),
    route("DELETE", STATUS, crud.delete, member("write:statuses"), None, statuses=True),
    route("PUT", STATUS, crud.edit, member("write:statuses"), None, statuses=True),
    route("GET", f"{STATUS}/history", crud.history, if_token("read:statuses"), None, statuses=True),
    route("GET", f"{STATUS}/source", crud.source, member("read:statuses"), None, statuses=False),
    route("GET", f"{STATUS}/context", crud.context, if_token("read:statuses"), None, statuses=True),

    route("POST", f"{STATUS}/favourite", actions.favourite, member("write:favourites"), None, statuses=True),
    route("POST", f"{STATUS}/unfavourite", actions.unfavourite,
          member("write:favourites"), None, statuses=True),
    route("POST", f"{STATUS}/reblog", actions.reblog, member("write:statuses"), None, statuses=True),
    route("POST", f"{STATUS}/unreblog", actions.unreblog, member("write:statuses"), None, statuses=True),
    route("POST", f"{STATUS}/bookmark", actions.bookmark, member("write:bookmarks"), None, statuses=True),
    route("POST", f"{STATUS}/unbookmark", actions.unbookmark, member("write:bookmarks"), None, statuses=True),
    route("POST", f"{STATUS}/pin", actions.pin, member("write:accounts"), None, statuses=True),
    route("POST", f"{STATUS}/unpin", actions.unpin, member("write:accounts"), None, statuses=True),
    route("POST", f"{STATUS}/mute", actions.mute, member("write:mutes"), None, statuses=True),
    route("POST", f"{STATUS}/unmute", actions.unmute, member("write:mutes"), None, statuses=True),
    # lists of accounts: Mastodon asks read:accounts
    route("GET", f"{STATUS}/reblogged_by", actions.reblogged_by,
          if_token("read:accounts"), None, statuses=False),
    route("GET", f"{STATUS}/favourited_by", actions.favourited_by,
          if_token("read:accounts"), None, statuses=False),

    # lists, followed and featured tags, endorsements (issue 13)
    route("GET", "/api/v1/lists", lists.index, member("read:lists"), None, statuses=False),
    route("POST", "/api/v1/lists", lists.create, member("write:lists"), None, statuses=False),
    route("GET", "/api/v1/lists/{id}", lists.show, member("read:lists"), None, statuses=False),
    route("PUT", "/api/v1/lists/{id}", lists.update, member("write:lists"), None, statuses=False),
    route("DELETE", "/api/v1/lists/{id}", lists.delete, member("write:lists"), None, statuses=False),
    route("GET", "/api/v1/lists/{id}/accounts", lists.accounts, member("read:lists"), None, statuses=False),
    route("POST", "/api/v1/lists/{id}/accounts", lists.add_accounts,
          member("write:lists"), None, statuses=False),
    route("DELETE", "/api/v1/lists/{id}/accounts", lists.remove_accounts,
          member("write:lists"), None, statuses=False),
    route("GET", f"{ACCOUNTS}/{{id}}/lists", lists.account_lists, member("read:lists"), None, statuses=False),
    route("GET", "/api/v1/timelines/list/{list_id}", timelines.list_timeline,
          member("read:lists"), None, statuses=True),
    route("POST", "/api/v1/tags/{name}/follow", tags.follow, member("write:follows"), None, statuses=False),
    route("POST", "/api/v1/tags/{name}/unfollow", tags.unfollow,
          member("write:follows"), None, statuses=False),
    route("GET", "/api/v1/followed_tags", tags.followed_tags, member("read:follows"), None, statuses=False),
    # ORDER: before `/featured_tags/{id}` (`suggestions` is not an id)
    route("GET", "/api/v1/featured_tags/suggestions", featured_tags.suggestions,
          member("read:accounts"), None, statuses=False),
    route("GET", "/api/v1/featured_tags", featured_tags.index, member("read:accounts"), None, statuses=False),
    route("POST", "/api/v1/featured_tags", featured_tags.create,
          member("write:accounts"), None, statuses=False),
    route("DELETE", "/api/v1/featured_tags/{id}", featured_tags.delete,
          member("write:accounts"), None, statuses=False),
    route("GET", f"{ACCOUNTS}/{{id}}/featured_tags", featured_tags.of_account,
          if_token(), None, statuses=False),
    route("POST", f"{ACCOUNTS}/{{id}}/pin", endorsements.pin, member("write:accounts"), None, statuses=False),
    route("POST", f"{ACCOUNTS}/{{id}}/unpin", endorsements.unpin,
          member("write:accounts"), None, statuses=False),
    route("GET", "/api/v1/endorsements", endorsements.index, member("read:accounts"), None, statuses=False),

    route("POST", "/api/v2/media", attachments.upload_v2, member("write:media"), "media", statuses=False),
    route("POST", "/api/v1/media", attachments.upload_v1, member("write:media"), "media", statuses=False),
    route("GET", "/api/v1/media/{id}", attachments.show, member("write:media"), None, statuses=False),
    route("PUT", "/api/v1/media/{id}", attachments.update, member("write:media"), None, statuses=False),

    # ORDER: the fixed names before `/notifications/{id}`, `/requests/{id}` (policies, Mastodon 4.3)
    route("GET", "/api/v1/notifications/requests", notification_requests.index,
          member("read:notifications"), None, statuses=True),
    route("GET", "/api/v1/notifications/requests/merged", notification_requests.merged,
          member("read:notifications"), None, statuses=False),
    route("POST", "/api/v1/notifications/requests/accept", notification_requests.accept_many,
          member("write:notifications"), None, statuses=False),
    route("POST", "/api/v1/notifications/requests/dismiss", notification_requests.dismiss_many,
          member("write:notifications"), None, statuses=False),
    route("GET", "/api/v1/notifications/requests/{id}", notification_requests.show,
          member("read:notifications"), None, statuses=True),
    route("POST", "/api/v1/notifications/requests/{id}/accept", notification_requests.accept,
          member("write:notifications"), None, statuses=False),
    route("POST", "/api/v1/notifications/requests/{id}/dismiss", notification_requests.dismiss,
          member("write:notifications"), None, statuses=False),
    route("GET", "/api/v1/notifications", notifications.index,
          member("read:notifications"), None, statuses=True),
    route("GET", "/api/v1/notifications/unread_count", notifications.unread_count,
          member("read:notifications"), None, statuses=False),
    route("POST", "/api/v1/notifications/clear", notifications.clear,
          member("write:notifications"), None, statuses=False),
    route("GET", "/api/v1/notifications/{id}", notifications.show,
          member("read:notifications"), None, statuses=True),
    route("POST", "/api/v1/notifications/{id}/dismiss", notifications.dismiss,
          member("write:notifications"), None, statuses=False),

    # grouped (Mastodon 4.3); ORDER: `policy`, `unread_count` before `/notifications/{group_key}`
    route("GET", "/api/v2/notifications/policy", notification_policy.show,
          member("read:notifications"), None, statuses=False),
    route("PATCH", "/api/v2/notifications/policy", notification_policy.update,
          member("write:notifications"), None, statuses=False),
    route("GET", "/api/v2/notifications", grouped_notifications.index,
          member("read:notifications"), None, statuses=True),
    route("GET", "/api/v2/notifications/unread_count", grouped_notifications.unread_count,
          member("read:notifications"), None, statuses=False),
    route("GET", "/api/v2/notifications/{group_key}", grouped_notifications.show,
          member("read:notifications"), None, statuses=True),
    route("GET", "/api/v2/notifications/{group_key}/accounts", grouped_notifications.accounts,
          member("read:notifications"), None, statuses=False),
    route("POST", "/api/v2/notifications/{group_key}/dismiss", grouped_notifications.dismiss,
          member("write:notifications"), None, statuses=False),

    route("GET", "/api/v1/markers", markers.index, member("read:statuses"), None, statuses=False),
    route("POST", "/api/v1/markers", markers.save, member("write:statuses"), None, statuses=False),

    route("GET", "/api/v1/polls/{id}", polls.show, if_token("read:statuses"), None, statuses=False),
    route("POST", "/api/v1/polls/{id}/votes", polls.vote, member("write:statuses"), None, statuses=False),

    # filters (ui.api.filters): v2, its keywords and status filters at Mastodon's paths, and v1
    # ORDER: `/filters/keywords/{id}` and `/filters/statuses/{id}` are fixed names, not filter ids
    route("GET", "/api/v2/filters", filters_v2.index, member("read:filters"), None, statuses=False),
    route("POST", "/api/v2/filters", filters_v2.create, member("write:filters"), None, statuses=False),
    route("GET", f"{FILTERS}/keywords/{{id}}", filter_rules.show_keyword,
          member("read:filters"), None, statuses=False),
    route("PUT", f"{FILTERS}/keywords/{{id}}", filter_rules.update_keyword,
          member("write:filters"), None, statuses=False),
    route("DELETE", f"{FILTERS}/keywords/{{id}}", filter_rules.delete_keyword,
          member("write:filters"), None, statuses=False),
    route("GET", f"{FILTERS}/statuses/{{id}}", filter_rules.show_status,
          member("read:filters"), None, statuses=False),
    route("DELETE", f"{FILTERS}/statuses/{{id}}", filter_rules.delete_status,
          member("write:filters"), None, statuses=False),
    route("GET", f"{FILTERS}/{{id}}", filters_v2.show, member("read:filters"), None, statuses=False),
    route("PUT", f"{FILTERS}/{{id}}", filters_v2.update, member("write:filters"), None, statuses=False),
    route("DELETE", f"{FILTERS}/{{id}}", filters_v2.destroy, member("write:filters"), None, statuses=False),
    route("GET", f"{FILTERS}/{{id}}/keywords", filter_rules.keywords,
          member("read:filters"), None, statuses=False),
    route("POST", f"{FILTERS}/{{id}}/keywords", filter_rules.add_keyword,
          member("write:filters"), None, statuses=False),
    route("GET", f"{FILTERS}/{{id}}/statuses", filter_rules.statuses,
          member("read:filters"), None, statuses=False),
    route("POST", f"{FILTERS}/{{id}}/statuses", filter_rules.add_status,
          member("write:filters"), None, statuses=False),
    route("GET", "/api/v1/filters", filters_v1.index, member("read:filters"), None, statuses=False),
    route("POST", "/api/v1/filters", filters_v1.create, member("write:filters"), None, statuses=False),
    route("GET", "/api/v1/filters/{id}", filters_v1.show, member("read:filters"), None, statuses=False),
    route("PUT", "/api/v1/filters/{id}", filters_v1.update, member("write:filters"), None, statuses=False),
    route("DELETE", "/api/v1/filters/{id}", filters_v1.destroy,
          member("write:filters"), None, statuses=False),
    # issue 13, part 4: scheduled statuses, accounts by ids, notes, translation, instance texts
    route("GET", "/api/v1/scheduled_statuses", scheduled.list_scheduled,
          member("read:statuses"), None, statuses=False),
    route("GET", "/api/v1/scheduled_statuses/{id}", scheduled.show,
          member("read:statuses"), None, statuses=False),
    route("PUT", "/api/v1/scheduled_statuses/{id}", scheduled.update,
          member("write:statuses"), None, statuses=False),
    route("DELETE", "/api/v1/scheduled_statuses/{id}", scheduled.cancel,
          member("write:statuses"), None, statuses=False),
    route("GET", ACCOUNTS, many.index, if_token("read:accounts"), None, statuses=False),
    route("POST", f"{ACCOUNTS}/{{id}}/note", many.note, member("write:accounts"), None, statuses=False),
    route("POST", f"{STATUS}/translate", translate.translate, member("read:statuses"), None, statuses=False),
    route("GET", "/api/v1/instance/extended_description", instance_texts.extended_description,
          PUBLIC, None, statuses=False),
    route("GET", "/api/v1/instance/privacy_policy", instance_texts.privacy_policy,
          PUBLIC, None, statuses=False),
    route("GET", "/api/v1/instance/terms_of_service", instance_texts.terms_of_service,
          PUBLIC, None, statuses=False),
    # discovery: conversations, preferences, suggestions, the directory, trends, announcements
    route("GET", "/api/v1/conversations", conversations.list_conversations,
          member("read:statuses"), None, statuses=True),
    route("POST", "/api/v1/conversations/{id}/read", conversations.read,
          member("write:conversations"), None, statuses=True),
    route("DELETE", "/api/v1/conversations/{id}", conversations.remove,
          member("write:conversations"), None, statuses=False),
    route("GET", "/api/v1/preferences", preferences.preferences,
          member("read:accounts"), None, statuses=False),
    route("GET", "/api/v2/suggestions", directory.suggestions_v2,
          member("read:accounts"), None, statuses=False),
    route("GET", "/api/v1/suggestions", directory.suggestions_v1,
          member("read:accounts"), None, statuses=False),
    route("DELETE", "/api/v1/suggestions/{account_id}", directory.dismiss,
          member("write:accounts"), None, statuses=False),
    # public, as Mastodon's; a token that is sent leaves out whom its member blocks or mutes
    route("GET", "/api/v1/directory", directory.directory, if_token(), None, statuses=False),
    route("GET", "/api/v1/trends/tags", trends.tags, if_token(), None, statuses=False),
    route("GET", "/api/v1/trends", trends.tags, if_token(), None, statuses=False),
    route("GET", "/api/v1/trends/statuses", trends.statuses, if_token(), None, statuses=True),
    route("GET", "/api/v1/trends/links", trends.links, if_token(), None, statuses=False),
    route("GET", "/api/v1/announcements", announcements.list_announcements,
          member("read"), None, statuses=False),
    route("POST", "/api/v1/announcements/{id}/dismiss", announcements.dismiss,
          member("write:accounts"), None, statuses=False),
    route("PUT", "/api/v1/announcements/{id}/reactions/{name}", announcements.add_reaction,
          member("write:favourites"), None, statuses=False),
    route("DELETE", "/api/v1/announcements/{id}/reactions/{name}", announcements.remove_reaction,
          member("write:favourites"), None, statuses=False),
    # the admin API: staff whose role has the permission (actors.moderation.permissions)
    route("GET", ADMIN_BLOCKS, domain_rules.list_blocks,
          staff(FEDERATION, "admin:read:domain_blocks"), None, statuses=False),
    route("POST", ADMIN_BLOCKS, domain_rules.create_block,
          staff(FEDERATION, "admin:write:domain_blocks"), None, statuses=False),
    # ORDER: before `domain_blocks/{id}`; Amity's blocklist CSV (Mastodon does it on its web pages)
    route("GET", f"{ADMIN_BLOCKS}/export", domain_rules.export_blocks,
          staff(FEDERATION, "admin:read:domain_blocks"), None, statuses=False),
    route("POST", f"{ADMIN_BLOCKS}/import", domain_rules.import_blocks,
          staff(FEDERATION, "admin:write:domain_blocks"), None, statuses=False),
    route("GET", f"{ADMIN_BLOCKS}/{{id}}", domain_rules.show_block,
          staff(FEDERATION, "admin:read:domain_blocks"), None, statuses=False),
    route("PUT", f"{ADMIN_BLOCKS}/{{id}}", domain_rules.update_block,
          staff(FEDERATION, "admin:write:domain_blocks"), None, statuses=False),
    route("DELETE", f"{ADMIN_BLOCKS}/{{id}}", domain_rules.delete_block,
          staff(FEDERATION, "admin:write:domain_blocks"), None, statuses=False),
    route("GET", ADMIN_ALLOWS, domain_rules.list_allows,
          staff(FEDERATION, "admin:read:domain_allows"), None, statuses=False),
    route("POST", ADMIN_ALLOWS, domain_rules.create_allow,
          staff(FEDERATION, "admin:write:domain_allows"), None, statuses=False),
    route("GET", f"{ADMIN_ALLOWS}/{{id}}", domain_rules.show_allow,
          staff(FEDERATION, "admin:read:domain_allows"), None, statuses=False),
    route("DELETE", f"{ADMIN_ALLOWS}/{{id}}", domain_rules.delete_allow,
          staff(FEDERATION, "admin:write:domain_allows"), None, statuses=False),

    # reports: members file them and read their own; staff with manage_reports handle them
    route("POST", "/api/v1/reports", reports.file_report, member("write:reports"), None, statuses=False),
    route("GET", "/api/v1/reports", reports.list_reports, member("read"), None,
          statuses=False),
    route("GET", "/api/v1/reports/{id}", reports.show_report, member("read"), None,
          statuses=False),
    route("GET", ADMIN_REPORTS, admin_reports.list_reports,
          staff(REPORTS, "admin:read:reports"), None, statuses=True),
    route("GET", f"{ADMIN_REPORTS}/{{id}}", admin_reports.show_report,
          staff(REPORTS, "admin:read:reports"), None, statuses=True),
    route("PUT", f"{ADMIN_REPORTS}/{{id}}", admin_reports.update_report,
          staff(REPORTS, "admin:write:reports"), None, statuses=True),
    route("POST", f"{ADMIN_REPORTS}/{{id}}/assign_to_self", admin_reports.assign_to_self,
          staff(REPORTS, "admin:write:reports"), None, statuses=True),
    route("POST", f"{ADMIN_REPORTS}/{{id}}/unassign", admin_reports.unassign,
          staff(REPORTS, "admin:write:reports"), None, statuses=True),
    route("POST", f"{ADMIN_REPORTS}/{{id}}/resolve", admin_reports.resolve,
          staff(REPORTS, "admin:write:reports"), None, statuses=True),
    route("POST", f"{ADMIN_REPORTS}/{{id}}/reopen", admin_reports.reopen,
          staff(REPORTS, "admin:write:reports"), None, statuses=True),
    # issue 14, accounts: /admin/accounts (v1 and v2) and what refuses sign-ups
    route("GET", ADMIN_ACCOUNTS, admin_accounts.list_v1, staff(USERS, READ_ACCOUNTS), None, statuses=False),
    route("GET", "/api/v2/admin/accounts", admin_accounts.list_v2, staff(USERS, READ_ACCOUNTS), None,
          statuses=False),
    route("GET", ADMIN_ACCOUNT, admin_accounts.show, staff(USERS, READ_ACCOUNTS), None, statuses=False),
    route("DELETE", ADMIN_ACCOUNT, admin_accounts.delete_account, staff("delete_user_data", WRITE_ACCOUNTS),
          None, statuses=False),
    route("POST", f"{ADMIN_ACCOUNT}/approve", admin_accounts.approve, staff(USERS, WRITE_ACCOUNTS), None,
          statuses=False),
    route("POST", f"{ADMIN_ACCOUNT}/reject", admin_accounts.reject, staff(USERS, WRITE_ACCOUNTS), None,
          statuses=False),
    route("POST", f"{ADMIN_ACCOUNT}/action", admin_accounts.action, staff(USERS, WRITE_ACCOUNTS), None,
          statuses=False),
    route("POST", f"{ADMIN_ACCOUNT}/enable", admin_accounts.enable, staff(USERS, WRITE_ACCOUNTS), None,
          statuses=False),
    route("POST", f"{ADMIN_ACCOUNT}/unsilence", admin_accounts.unsilence, staff(USERS, WRITE_ACCOUNTS), None,
          statuses=False),
    route("POST", f"{ADMIN_ACCOUNT}/unsensitive", admin_accounts.unsensitive, staff(USERS, WRITE_ACCOUNTS),
          None, statuses=False),
    route("POST", f"{ADMIN_ACCOUNT}/unsuspend", admin_accounts.unsuspend, staff(USERS, WRITE_ACCOUNTS), None,
          statuses=False),
    route("GET", ADMIN_CANONICAL, signup_blocks.list_canonical,
          staff(BLOCKS, "admin:read:canonical_email_blocks"), None, statuses=False),
    route("POST", ADMIN_CANONICAL, signup_blocks.create_canonical,
          staff(BLOCKS, "admin:write:canonical_email_blocks"), None, statuses=False),
    # ORDER: before `{id}` (`test` is not an id)
    route("POST", f"{ADMIN_CANONICAL}/test", signup_blocks.test_canonical,
          staff(BLOCKS, "admin:read:canonical_email_blocks"), None, statuses=False),
    route("GET", f"{ADMIN_CANONICAL}/{{id}}", signup_blocks.show_canonical,
          staff(BLOCKS, "admin:read:canonical_email_blocks"), None, statuses=False),
    route("DELETE", f"{ADMIN_CANONICAL}/{{id}}", signup_blocks.delete_canonical,
          staff(BLOCKS, "admin:write:canonical_email_blocks"), None, statuses=False),
    route("GET", ADMIN_EMAIL_DOMAINS, signup_blocks.list_email_domains,
          staff(BLOCKS, "admin:read:email_domain_blocks"), None, statuses=False),
    route("POST", ADMIN_EMAIL_DOMAINS, signup_blocks.create_email_domain,
          staff(BLOCKS, "admin:write:email_domain_blocks"), None, statuses=False),
    route("GET", f"{ADMIN_EMAIL_DOMAINS}/{{id}}", signup_blocks.show_email_domain,
          staff(BLOCKS, "admin:read:email_domain_blocks"), None, statuses=False),
    route("DELETE", f"{ADMIN_EMAIL_DOMAINS}/{{id}}", signup_blocks.delete_email_domain,
          staff(BLOCKS, "admin:write:email_domain_blocks"), None, statuses=False),
    route("GET", ADMIN_IPS, signup_blocks.list_ips, staff(BLOCKS, "admin:read:ip_blocks"), None,
          statuses=False),
    route("POST", ADMIN_IPS, signup_blocks.create_ip, staff(BLOCKS, "admin:write:ip_blocks"), None,
          statuses=False),
    route("GET", f"{ADMIN_IPS}/{{id}}", signup_blocks.show_ip, staff(BLOCKS, "admin:read:ip_blocks"), None,
          statuses=False),
    route("PUT", f"{ADMIN_IPS}/{{id}}", signup_blocks.update_ip, staff(BLOCKS, "admin:write:ip_blocks"), None,
          statuses=False),
    route("DELETE", f"{ADMIN_IPS}/{{id}}", signup_blocks.delete_ip, staff(BLOCKS, "admin:write:ip_blocks"),
          None, statuses=False),
    # the audit log (an Amity extension), for staff who may view it
    route("GET", "/api/v1/admin/audit_log", audit_log.list_entries,
          staff("view_audit_log", "admin:read"), None, statuses=False),
    # delivery health per remote server (an Amity extension)
    route("GET", "/api/v1/admin/hosts", admin_hosts.list_hosts,
          staff(FEDERATION, "admin:read"), None, statuses=False),
    route("GET", "/api/v1/admin/hosts/{domain}", admin_hosts.show_host,
          staff(FEDERATION, "admin:read"), None, statuses=False),
    route("POST", "/api/v1/admin/hosts/{domain}/retry", admin_hosts.retry_host,
          staff(FEDERATION, "admin:write"), None, statuses=False),
    # rules for incoming posts (an Amity extension)
    route("GET", "/api/v1/admin/policies", admin_policies.list_rules,
          staff(FEDERATION, "admin:read"), None, statuses=False),
    route("POST", "/api/v1/admin/policies", admin_policies.create_rule,
          staff(FEDERATION, "admin:write"), None, statuses=False),
    route("DELETE", "/api/v1/admin/policies/{id}", admin_policies.delete_rule,
          staff(FEDERATION, "admin:write"), None, statuses=False),
    route("POST", "/api/v1/admin/policies/{id}/move", admin_policies.move_rule,
          staff(FEDERATION, "admin:write"), None, statuses=False),
]

# The rate-limit bucket of each limited route, as `ui.ratelimit` looks requests up.
LIMITED: dict[tuple[str, str], str] = {(row.method, row.path): row.limit
                                       for row in ROUTES if row.limit is not None}
