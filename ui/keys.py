"""Every value the app keeps in `app[...]`, typed.

Handlers reach the database and the node config one way: `request.app[SERVICES]`
(`.sessions`, `.config`, `.client`, …). `CONFIG` is for assembling the app, before the
services open."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.services import SERVICES as SERVICES  # defined with Services: inbox/ uses it too
from storage.config import NodeConfig
from storage.settings import SettingCache
from storage.worker import Registry, Worker

CONFIG = web.AppKey("config", NodeConfig)
ENGINE = web.AppKey("engine", AsyncEngine)
REGISTRY = web.AppKey("registry", Registry)
WORKER = web.AppKey("worker", Worker)
SETTINGS_CACHE = web.AppKey("settings_cache", SettingCache)  # settings read a few seconds old
