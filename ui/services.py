"""Opening and closing the shared services (database, instance actor, outbound client)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohappyeyeballs import SocketFactoryType
from aiohttp.abc import AbstractResolver

from actors.accounts.instance import ensure_instance_actor
from federation.client import OutboundClient
from federation.httpsig.signatures import signer_for
from federation.services import Services
from storage import migrate
from storage.config import NodeConfig
from storage.db import claim_process_tag, create_engine, session_maker
from storage.round_trips import SqliteDirect

log = logging.getLogger("amity.services")


@dataclass(frozen=True)
class Transport:
    """Test hooks for outbound connections: a fake resolver and a socket factory."""

    resolver: AbstractResolver | None = None
    socket_factory: SocketFactoryType | None = None


@asynccontextmanager
async def open_services(config: NodeConfig, transport: Transport | None = None
                        ) -> AsyncIterator[Services]:
    engine = create_engine(config.database_url)
    sessions = session_maker(engine)
    transport = transport or Transport()
    client = OutboundClient.from_config(config, resolver=transport.resolver,
                                        socket_factory=transport.socket_factory)
    direct = SqliteDirect.for_url(config.database_url)
    services: Services | None = None
    try:
        await claim_process_tag(engine)
        if await migrate.is_current(engine):
            instance = await ensure_instance_actor(sessions, config.base_url, config.domain)
            client.signer = signer_for(instance)
        else:  # /ready reports it; `amity serve` migrates before it gets here
            log.warning("services.schema_not_current", extra={"hint": "run `amity migrate`"})
        services = Services(config=config, engine=engine, sessions=sessions, client=client, direct=direct)
        yield services
    finally:
        await client.close()
        if services is not None:
            await services.one_trip.close()
        if direct is not None:
            await direct.close()
        await engine.dispose()
