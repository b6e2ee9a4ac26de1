"""All models, imported here so `Base.metadata` is complete for Alembic."""

from storage.models.accounts import ROLES, Actor, User
from storage.models.base import Base, utcnow
from storage.models.federation import (
    DOMAIN_POLICIES,
    DomainRule,
    Host,
    InboxItem,
    OutboxActivity,
    Tombstone,
)
from storage.models.jobs import DEAD, QUEUED, Job
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
    "ACCEPTED", "DEAD", "DOMAIN_POLICIES", "NOTIFICATION_TYPES", "PENDING", "QUEUED", "ROLES",
    "VISIBILITIES", "Actor", "Base", "Block", "DomainRule", "Favourite", "Follow", "Host", "InboxItem",
    "InstanceSetting", "Job", "Mention", "Notification", "OutboxActivity", "Report", "Status",
    "StatusEdit", "TimelineEntry", "Tombstone", "User", "utcnow",
]
