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
from storage.models.markers import MARKER_TIMELINES, Marker
from storage.models.members import TOKEN_PURPOSES, Invite, UserToken
from storage.models.notification_filters import (
    POLICY_VALUES,
    NotificationPermission,
    NotificationPolicy,
    NotificationRequest,
)
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
    "MARKER_TIMELINES",
    "MEDIA_FAILED",
    "MEDIA_PROCESSING",
    "MEDIA_READY",
    "MEDIA_TYPES",
    "NOTIFICATION_TYPES",
    "PENDING",
    "POLICY_VALUES",
    "QUEUED",
    "ROLES",
    "TOKEN_PURPOSES",
    "VISIBILITIES",
    "Actor",
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
    "Marker",
    "MediaAttachment",
    "Mention",
    "Mute",
    "Notification",
    "NotificationPermission",
    "NotificationPolicy",
    "NotificationRequest",
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
