"""Mastodon's admin API (`/api/v1/admin/…`): what moderators do from their apps.

Every route is `staff(permission, scopes…)` in the route table: a member's token in scope,
whose role has the permission (`actors.moderation.permissions`). `domain_rules`: domain
blocks and allows; `reports`: reports (`account_entity`: Admin::Account, for every admin
entity that shows an account).
"""
