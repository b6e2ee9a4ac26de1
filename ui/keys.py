"""Every value the app keeps in `app[...]`, typed."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from federation.services import SERVICES_KEY
from storage.config import NodeConfig
from storage.settings import SettingCache
from storage.worker import Registry, Worker

CONFIG = web.AppKey("config", NodeConfig)
SERVICES = SERVICES_KEY
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
REGISTRY = web.AppKey("registry", Registry)
WORKER = web.AppKey("worker", Worker)
SETTINGS_CACHE = web.AppKey("settings_cache", SettingCache)  # settings read a few seconds old
