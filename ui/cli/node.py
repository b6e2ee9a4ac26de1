"""Node commands: init, serve, worker, migrate."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from aiohttp import web

from actors.accounts import local_users
from actors.accounts.passwords import generate_password
from storage import migrate
from storage.config import DEFAULT_CONFIG_PATH, ConfigError, build_config, render_toml
from storage.db import describe, session_maker
from storage.worker import Worker
from ui.app import create_app
from ui.jobs import QUEUES, build_registry, schedule_periodic
from ui.logs import setup_logging
from ui.runtime import CliError, install_stop_signals, load, open_database
from ui.services import open_services

log = logging.getLogger("amity.cli")


def add_commands(commands: Any) -> None:
    init = commands.add_parser("init", help="write a config, create the database and the owner",
                               description="Create a new node: config file, database, owner.")
    init.add_argument("--domain", default="localhost:8080",
                      help="public host[:port] of the node (default: localhost:8080)")
    init.add_argument("--scheme", choices=("https", "http"), default=None,
                      help="public scheme (default: https, or http for localhost)")
    init.add_argument("--database-url", default="sqlite+aiosqlite:///amity.db",
                      help="sqlite+aiosqlite:///PATH (relative to the config) or postgresql://...")
    init.add_argument("--listen-host", default="127.0.0.1")
    init.add_argument("--listen-port", type=int, default=8080)
    init.add_argument("--media-dir", default="media")
    init.add_argument("--allow-private-host", action="append", default=[], metavar="HOST_OR_CIDR",
                      help="let the node fetch from this private host (development only)")
    init.add_argument("--admin-username", default="admin")
    init.add_argument("--admin-email", default=None)
    init.add_argument("--admin-password", default=None, help="default: a random one, printed")
    init.set_defaults(run=run_init)

    serve = commands.add_parser("serve", help="run the web server (and its workers)",
                                description="Serve the node; migrates the database first if needed.")
    serve.add_argument("--host", default=None, help="listen address (default: from config)")
    serve.add_argument("--port", type=int, default=None, help="listen port (default: from config)")
    serve.add_argument("--no-workers", action="store_true",
                       help="do not run job workers in this process (PostgreSQL deployments "
                            "with separate `amity worker` processes)")
    serve.set_defaults(run=run_serve)

    worker = commands.add_parser("worker", help="run job workers in this process (PostgreSQL)",
                                 description="Run job workers as a separate process. Needs "
                                             "PostgreSQL: with SQLite, `amity serve` runs them.")
    worker.add_argument("--queues", default=",".join(QUEUES),
                        help=f"comma-separated queue names (default: {','.join(QUEUES)})")
    worker.add_argument("--concurrency", type=int, default=None, help="jobs run at once")
    worker.set_defaults(run=run_worker)

    mig = commands.add_parser("migrate", help="bring the database schema up to date",
                              description="Apply pending database migrations.")
    mig.add_argument("--check", action="store_true",
                     help="only report; exit 1 if migrations are pending")
    mig.set_defaults(run=run_migrate)


# -- init ------------------------------------------------------------------------------

async def run_init(args: argparse.Namespace) -> int:
    config_path = Path(args.config or os.environ.get("AMITY_CONFIG") or DEFAULT_CONFIG_PATH)
    if config_path.exists():
        raise CliError(f"{config_path} already exists: this node is initialised "
                       "(use `amity serve`, or remove the file to start again)")
    host = args.domain.split(":")[0]
    scheme = args.scheme or ("http" if host in ("localhost", "127.0.0.1") else "https")
    raw = {
        "domain": args.domain, "scheme": scheme, "database_url": args.database_url,
        "secret_key": secrets.token_urlsafe(48), "listen_host": args.listen_host,
        "listen_port": args.listen_port, "media_dir": args.media_dir,
        "allowed_private_hosts": list(args.allow_private_host),
    }
    config_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        config = build_config(raw, base_dir=config_path.resolve().parent, source="init")
    except ConfigError as exc:
        raise CliError(f"config error: {exc}", exit_code=2) from None
    admin_email = args.admin_email or f"{args.admin_username}@{host}"
    password = args.admin_password or generate_password()
    local_users.validate_username(args.admin_username)
    local_users.validate_email(admin_email)
    local_users.validate_password(password)

    async with open_database(config, require_current=False) as engine:
        await migrate.upgrade(engine)
        async with session_maker(engine)() as session, session.begin():
            if await local_users.count_local_users(session) > 0:
                raise CliError(f"the database {describe(config.database_url)} already has "
                               "accounts; point --database-url at a new database")
            await local_users.create_local_user(
                session, base_url=config.base_url, username=args.admin_username,
                email=admin_email, password=password, role="owner")
    config_path.write_text(render_toml(raw))
    config_path.chmod(0o600)  # it holds the secret key
    print(f"Amity node {config.domain} is ready.")
    print(f"  config:    {config_path}")
    print(f"  database:  {describe(config.database_url)}")
    print(f"  owner:     {args.admin_username} <{admin_email}>")
    if not args.admin_password:
        print(f"  password:  {password}   (shown once: change it after you log in)")
    print(f"Start it with `amity --config {config_path} serve`, then open {config.base_url}/")
    return 0


# -- serve -----------------------------------------------------------------------------

def run_serve(args: argparse.Namespace) -> int:
    config = load(args.config)
    setup_logging(config.log_level, config.log_format)
    before, after = asyncio.run(_migrate_quietly(config))
    if before != after:
        log.info("serve.migrated", extra={"from": before or "empty", "to": after})
    host = args.host or config.listen_host
    port = args.port or config.listen_port
    app = create_app(config, run_workers=not args.no_workers)
    log.info("serve.listening", extra={"url": f"http://{host}:{port}", "public": config.base_url,
                                       "workers": not args.no_workers})
    web.run_app(app, host=host, port=port, print=None, access_log=None,
                handle_signals=True, shutdown_timeout=15)
    return 0


async def _migrate_quietly(config: Any) -> tuple[str | None, str]:
    async with open_database(config, require_current=False) as engine:
        return await migrate.upgrade(engine)


# -- worker ----------------------------------------------------------------------------

async def run_worker(args: argparse.Namespace) -> int:
    config = load(args.config)
    if config.is_sqlite:
        raise CliError("`amity worker` needs PostgreSQL: on SQLite one process owns the "
                       "database, and `amity serve` runs the workers itself")
    setup_logging(config.log_level, config.log_format)
    queues = [q.strip() for q in args.queues.split(",") if q.strip()]
    async with open_database(config), open_services(config) as services:
        worker = Worker(
            services.engine, build_registry(), deps=services, queues=queues,
            concurrency=args.concurrency or config.limits.worker_concurrency,
            batch_size=config.limits.job_batch_size,
            lease_seconds=config.limits.job_lease_seconds,
        )
        services.wake_workers = worker.wake
        await schedule_periodic(services.sessions)
        stop = asyncio.Event()
        install_stop_signals(stop)
        await worker.run_forever(stop)
    return 0


# -- migrate ---------------------------------------------------------------------------

async def run_migrate(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with open_database(config, require_current=False) as engine:
        current = await migrate.current_revision(engine)
        head = migrate.head_revision()
        if args.check:
            print(f"database at {current or 'empty'}, code at {head}: "
                  f"{'current' if current == head else 'migrations pending'}")
            return 0 if current == head else 1
        before, after = await migrate.upgrade(engine)
    print(f"database migrated from {before or 'empty'} to {after}" if before != after
          else f"database already current at {after}")
    return 0
