"""All models, imported here so `Base.metadata` is complete for Alembic."""

from storage.models.accounts import ROLES, Actor, User
from storage.models.base import Base, utcnow
from storage.models.content import (
    MEDIA_FAILED,
    MEDIA_PROCESSING,
    MEDIA_READY,
    MEDIA_TYPES,
    CustomEmoji,
    MediaAttachment,
    Poll,
    PollVote,
    PreviewCard,
    StatusCard,
    StatusEmoji,
    StatusTag,
    Tag,
)
from storage.models.federation import (
    DOMAIN_POLICIES,
    DomainRule,
    Host,
    InboxItem,
    KeptActivity,
    OutboxActivity,
    Tombstone,
    UndoneActivity,
)
from storage.models.jobs import DEAD, QUEUED, Job
from storage.models.members import TOKEN_PURPOSES, Invite, UserToken
from storage.models.moderation import AuditLogEntry
from storage.models.oauth import (
    BrowserSession,
    IdempotencyKey,
    OAuthAccessToken,
    OAuthApplication,
    OAuthAuthorizationCode,
)
from storage.models.ratelimits import RateLimitCounter
from storage.models.relations import Bookmark, ConversationMute, Mute, Pin, UserDomainBlock
from storage.models.settings import InstanceSetting
from storage.models.social import (
    ACCEPTED,
    NOTIFICATION_TYPES,
    PENDING,
    Block,
    Follow,
    Notification,
    Report,
)
from storage.models.statuses import VISIBILITIES, Favourite, Mention, Status, StatusEdit, TimelineEntry

__all__ = [
    "ACCEPTED",
    "DEAD",
    "DOMAIN_POLICIES",
    "MEDIA_FAILED",
    "MEDIA_PROCESSING",
    "MEDIA_READY",
    "MEDIA_TYPES",
    "NOTIFICATION_TYPES",
    "PENDING",
    "QUEUED",
    "ROLES",
    "TOKEN_PURPOSES",
    "VISIBILITIES",
    "Actor",
    "AuditLogEntry",
    "Base",
    "Block",
    "Bookmark",
    "BrowserSession",
    "ConversationMute",
    "CustomEmoji",
    "DomainRule",
    "Favourite",
    "Follow",
    "Host",
    "IdempotencyKey",
    "InboxItem",
    "InstanceSetting",
    "Invite",
    "Job",
    "KeptActivity",
    "MediaAttachment",
    "Mention",
    "Mute",
    "Notification",
    "OAuthAccessToken",
    "OAuthApplication",
    "OAuthAuthorizationCode",
    "OutboxActivity",
    "Pin",
    "Poll",
    "PollVote",
    "PreviewCard",
    "RateLimitCounter",
    "Report",
    "Status",
    "StatusCard",
    "StatusEdit",
    "StatusEmoji",
    "StatusTag",
    "Tag",
    "TimelineEntry",
    "Tombstone",
    "UndoneActivity",
    "User",
    "UserDomainBlock",
    "UserToken",
    "utcnow",
]
