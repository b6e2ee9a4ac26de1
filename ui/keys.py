"""Every value the app keeps in `app[...]`, typed."""

from __future__ import annotations

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.config import NodeConfig
from storage.worker import Registry, Worker

CONFIG = web.AppKey("config", NodeConfig)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
HTTP = web.AppKey("http", aiohttp.ClientSession)
REGISTRY = web.AppKey("registry", Registry)
WORKER = web.AppKey("worker", Worker)
