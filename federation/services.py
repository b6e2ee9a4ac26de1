"""What background jobs and request handlers share: config, database sessions, the client."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from federation.client import OutboundClient
from federation.host_slots import HostSlots
from storage.config import NodeConfig


@dataclass
class Services:
    config: NodeConfig
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    client: OutboundClient  # signs as the instance actor (set up by the composition root)
    delivery_slots: HostSlots = field(default_factory=HostSlots)  # per-host limits, this process

    @property
    def base_url(self) -> str:
        return self.config.base_url

    @property
    def domain(self) -> str:
        return self.config.domain


# The one app key for Services: defined here so inbox/ and ui/ route modules share it
# without an upward import.
SERVICES_KEY = web.AppKey("services", Services)
