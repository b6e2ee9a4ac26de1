"""Who may do what: Mastodon's role permissions, for Amity's four fixed roles.

The bits are Mastodon's (`UserRole::FLAGS`), so apps that read `role.permissions` (the Role
entity of CredentialAccount) show the right tools. The roles hold what Mastodon's built-in
roles hold: a member may invite; a moderator handles reports, users and tags; an admin also
federation, settings, rules and roles; the owner (Mastodon's `administrator` bit) everything.
Amity's roles are fixed (there is no role editor): `ROLE_PERMISSIONS` is the whole policy.
"""

from __future__ import annotations

from typing import Any

FLAGS: dict[str, int] = {
    "administrator": 1 << 0,
    "view_devops": 1 << 1,
    "view_audit_log": 1 << 2,
    "view_dashboard": 1 << 3,
    "manage_reports": 1 << 4,
    "manage_federation": 1 << 5,
    "manage_settings": 1 << 6,
    "manage_blocks": 1 << 7,
    "manage_taxonomies": 1 << 8,
    "manage_appeals": 1 << 9,
    "manage_users": 1 << 10,
    "manage_invites": 1 << 11,
    "manage_rules": 1 << 12,
    "manage_announcements": 1 << 13,
    "manage_custom_emojis": 1 << 14,
    "manage_webhooks": 1 << 15,
    "invite_users": 1 << 16,
    "manage_roles": 1 << 17,
    "manage_user_access": 1 << 18,
    "delete_user_data": 1 << 19,
}
ALL = sum(FLAGS.values())

_MODERATOR = ("invite_users", "view_dashboard", "view_audit_log", "manage_users", "manage_reports",
              "manage_taxonomies")
_ADMIN = (*_MODERATOR, "manage_user_access", "delete_user_data", "manage_federation",
          "manage_settings", "manage_blocks", "manage_appeals", "manage_rules", "manage_invites",
          "manage_announcements", "manage_custom_emojis", "manage_webhooks", "manage_roles")
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "member": ("invite_users",),
    "moderator": _MODERATOR,
    "admin": _ADMIN,
    "owner": ("administrator",),
}
# The Role entity as Mastodon shows its built-in roles (members have the "everyone" role, -99).
_ROLE_IDS = {"member": "-99", "moderator": "1", "admin": "2", "owner": "3"}
_ROLE_NAMES = {"member": "", "moderator": "Moderator", "admin": "Admin", "owner": "Owner"}


def permissions_of(role: str | None) -> int:
    """The role's permission bits as stored (Mastodon's `permissions`); unknown roles: a member's."""
    return sum(FLAGS[name] for name in ROLE_PERMISSIONS.get(role or "member", ROLE_PERMISSIONS["member"]))


def can(role: str | None, permission: str) -> bool:
    """May this role do `permission`? `administrator` grants everything (Mastodon's rule)."""
    if permission not in FLAGS:
        raise ValueError(f"unknown permission {permission!r}")
    bits = permissions_of(role)
    if bits & FLAGS["administrator"]:
        return True
    return bool(bits & FLAGS[permission])


def is_staff(role: str | None) -> bool:
    return (role or "member") != "member"


# Mastodon's Role entity of each role (`permissions` as a decimal string): constants, since the
# roles are fixed; entities copy them (`dict(ROLE_ENTITIES[role])`).
ROLE_ENTITIES: dict[str, dict[str, Any]] = {
    role: {"id": _ROLE_IDS[role], "name": _ROLE_NAMES[role], "permissions": str(permissions_of(role)),
           "color": "", "highlighted": is_staff(role)}
    for role in ROLE_PERMISSIONS}
