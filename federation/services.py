"""What background jobs and request handlers share: config, database sessions, the client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from federation.client import OutboundClient
from federation.delivery.state import DeliveryState
from federation.domain_rules import DomainRulesSnapshot
from storage.config import NodeConfig
from storage.round_trips import OneTrip, SqliteDirect


@dataclass
class Services:
    config: NodeConfig
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    client: OutboundClient  # signs as the instance actor (set up by the composition root)
    direct: SqliteDirect | None = None  # SQLite only: hot-path transactions in one thread hop
    deliveries: DeliveryState = field(default_factory=DeliveryState)  # this process's delivery caches
    domain_rules: DomainRulesSnapshot = field(default_factory=DomainRulesSnapshot)  # this process's view
    # Tells this process's workers that jobs were just committed (set by the composition root).
    wake_workers: Callable[[], None] = field(default=lambda: None)
    # Media files processed at once by this process (each large image can take ~0.5 GB).
    media_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))
    # SQLite has one writer at a time: write-heavy jobs of this process take turns here rather
    # than in SQLite's busy handler, which is not fair (a waiter can miss every free moment
    # until its timeout and fail with "database is locked"). Unused on PostgreSQL.
    sqlite_writes: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Hot reads run on the driver in one trip (the home timeline); closed with the engine.
    one_trip: OneTrip = field(init=False)

    def __post_init__(self) -> None:
        self.one_trip = OneTrip(self.engine)

    def write_turn(self) -> AbstractAsyncContextManager[Any]:
        """Around a write-heavy job's transaction: on SQLite, one at a time in this process."""
        return self.sqlite_writes if self.engine.dialect.name == "sqlite" else nullcontext()

    @property
    def base_url(self) -> str:
        return self.config.base_url

    @property
    def domain(self) -> str:
        return self.config.domain


# The one app key for Services: defined here so inbox/ and ui/ route modules share it
# without an upward import.
SERVICES = web.AppKey("services", Services)
