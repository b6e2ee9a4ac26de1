"""What CLI commands share: loading the config, opening the database, clear failures."""

from __future__ import annotations

import asyncio
import getpass
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage import migrate
from storage.config import ConfigError, NodeConfig, load_config
from storage.db import claim_process_tag, create_engine, describe, session_maker
from storage.errors import AmityError
from storage.settings import SettingError


class CliError(Exception):
    """A failure to report in one line; the message says what to do next."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def load(config_path: str | None) -> NodeConfig:
    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise CliError(f"config error: {exc}", exit_code=2) from None


@asynccontextmanager
async def open_database(config: NodeConfig, *, require_current: bool = True
                        ) -> AsyncIterator[AsyncEngine]:
    """An engine that has answered one query, and whose schema is current if required."""
    engine = create_engine(config.database_url, pool_size=5)
    try:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (OSError, OperationalError, DBAPIError, ConnectionError) as exc:
            raise CliError(f"cannot reach the database {describe(config.database_url)}: "
                           f"{_first_line(exc)}; check database_url and that the server runs"
                           ) from None
        if require_current and not await migrate.is_current(engine):
            raise CliError("the database schema is not current: run `amity migrate` first")
        if require_current:
            await claim_process_tag(engine)
        yield engine
    finally:
        await engine.dispose()


@asynccontextmanager
async def write_session(config: NodeConfig) -> AsyncIterator[AsyncSession]:
    """A session in a transaction that commits when the block ends without error."""
    async with open_database(config) as engine, session_maker(engine)() as session, session.begin():
        yield session


def describe_failure(exc: BaseException) -> str:
    """One line for an error nobody planned for."""
    if isinstance(exc, AmityError | SettingError | ConfigError):
        return str(exc)
    if isinstance(exc, OperationalError | DBAPIError):
        return f"database error: {_first_line(exc)}"
    return (f"unexpected {type(exc).__name__}: {_first_line(exc)} "
            "(set AMITY_DEBUG=1 to see the traceback, and please report it)")


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    text_ = str(original).strip().splitlines()
    return text_[0] if text_ else type(original).__name__


def prompt_password(prompt: str = "Password: ") -> str:
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise CliError("no password given: pass --password or type it at the prompt")
        return line.rstrip("\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("Again: ") != first:
        raise CliError("the two passwords differ; nothing was changed")
    return first


def install_stop_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
