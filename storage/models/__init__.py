"""All models, imported here so `Base.metadata` is complete for Alembic."""

from storage.models.accounts import ROLES, Actor, User
from storage.models.base import Base, utcnow
from storage.models.jobs import DEAD, QUEUED, Job
from storage.models.settings import InstanceSetting

__all__ = ["DEAD", "QUEUED", "ROLES", "Actor", "Base", "InstanceSetting", "Job", "User", "utcnow"]
