"""Importing a 10,000-line blocklist, beside a bare batched insert of the same rows.

- `cli`: `amity domain import FILE` in a subprocess, as an operator runs it (interpreter start,
  config, parse, plan, batched apply with one audit entry per rule, progress lines), against a
  migrated node database;
- `in_process`: the same parse, plan and apply, called in this process (no interpreter start);
- `bare_insert`: the ceiling: the same rules inserted with Core executemany in batches of the
  same size, one transaction each, no plan and no audit log, into a fresh database.

`ratios` are rules per second over `bare_insert`'s (1.0 = as fast as the bare insert). Run on
SQLite, and on PostgreSQL when `AMITY_TEST_POSTGRES` is set (`make bench`).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert

from actors.moderation import audit, blocklists
from bench.servers import asyncpg_dsn, pg_admin
from storage import migrate
from storage.db import create_engine, session_maker
from storage.models import DomainRule, utcnow
from storage.models.base import new_id

LINES, QUICK_LINES = 10_000, 2_000
PG_ENV = "AMITY_TEST_POSTGRES"
_RULES: Table = DomainRule.__table__  # type: ignore[assignment]


def _progress(message: str) -> None:
    print(f"bench.blocklist: {message}", file=sys.stderr, flush=True)


def _blocklist(lines: int) -> str:
    header = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
    return header + "".join(f"host{n}.example,{'suspend' if n % 3 else 'silence'},"
                            f"{'true' if n % 2 else 'false'},false,\"reason {n}, noted\",false\n"
                            for n in range(lines))


def _rate(rules: int, seconds: float) -> dict[str, Any]:
    return {"rules": rules, "seconds": round(seconds, 3), "rules_per_s": round(rules / seconds, 1)}


async def _fresh(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


async def _bare_insert(url: str, text: str) -> dict[str, Any]:
    rows, _ = blocklists.parse_blocklist(text)  # parsed before the clock: the ceiling is the writes
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        for start in range(0, len(rows), blocklists.BATCH):
            async with engine.begin() as conn:
                await conn.execute(insert(_RULES), [
                    {"domain": r.domain, "id": new_id(), "created_at": utcnow(), "private_comment": "",
                     "policy": r.change.policy, "reject_media": r.change.reject_media,
                     "reject_reports": r.change.reject_reports, "obfuscate": r.change.obfuscate,
                     "public_comment": r.change.public_comment}
                    for r in rows[start:start + blocklists.BATCH]])
        return _rate(len(rows), time.perf_counter() - started)
    finally:
        await engine.dispose()


async def _in_process(url: str, text: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        sessions = session_maker(engine)
        started = time.perf_counter()
        rows, invalid = blocklists.parse_blocklist(text)
        async with sessions() as session:
            plan = await blocklists.plan_import(session, rows, invalid)
        await blocklists.apply_import(sessions, audit.operator(), plan)
        return _rate(len(rows), time.perf_counter() - started)
    finally:
        await engine.dispose()


def _cli(config: Path, blocklist: Path, rules: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "ui.cli", "--config", str(config), "domain", "import",
                             str(blocklist)], capture_output=True, text=True, env=env, timeout=600)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"amity domain import failed: {result.stderr.strip()}")
    return _rate(rules, seconds)


def _node_config(tmp: Path, url: str) -> Path:
    config = tmp / f"amity-{secrets.token_hex(3)}.toml"
    config.write_text(f'domain = "bench.example"\ndatabase_url = "{url}"\nmedia_dir = "{tmp}/media"\n'
                      f'secret_key = "{secrets.token_hex(32)}"\n')
    return config


async def _engine_runs(label: str, urls: list[str], tmp: Path, text: str, rules: int) -> dict[str, Any]:
    for url in urls:
        await _fresh(url)
    blocklist = tmp / "blocklist.csv"
    blocklist.write_text(text)
    _progress(f"{label}: bare insert of {rules} rules")
    bare = await _bare_insert(urls[0], text)
    _progress(f"{label}: import in process")
    in_process = await _in_process(urls[1], text)
    _progress(f"{label}: amity domain import (subprocess)")
    cli = await asyncio.to_thread(_cli, _node_config(tmp, urls[2]), blocklist, rules)
    return {"bare_insert": bare, "in_process": in_process, "cli": cli, "ratios": {
        "in_process / bare_insert": round(in_process["rules_per_s"] / bare["rules_per_s"], 3),
        "cli / bare_insert": round(cli["rules_per_s"] / bare["rules_per_s"], 3)}}


async def _postgresql(admin_url: str, tmp: Path, text: str, rules: int) -> dict[str, Any]:
    names = [f"amity_bench_{secrets.token_hex(4)}" for _ in range(3)]
    base = asyncpg_dsn(admin_url).rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    for name in names:
        await pg_admin(admin_url, f"CREATE DATABASE {name}")
    try:
        return await _engine_runs("postgresql", [f"{base}/{n}" for n in names], tmp, text, rules)
    finally:
        for name in names:
            await pg_admin(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def _run(lines: int) -> dict[str, Any]:
    text = _blocklist(lines)
    out: dict[str, Any] = {"lines": lines, "batch": blocklists.BATCH, "measures": {
        "cli": "amity domain import in a subprocess, as operators run it (with interpreter start)",
        "in_process": "parse, plan and apply called in this process (reduced: no interpreter start)",
        "bare_insert": "the ceiling: the same rules, Core executemany in the same batches, no plan, "
                       "no audit, no purge jobs"}}
    with tempfile.TemporaryDirectory(prefix="amity-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        urls = [f"sqlite+aiosqlite:///{tmp}/{name}.db" for name in ("bare", "in_process", "cli")]
        out["sqlite"] = await _engine_runs("sqlite", urls, tmp, text, lines)
        admin_url = os.environ.get(PG_ENV)
        out["postgresql"] = (await _postgresql(admin_url, tmp, text, lines) if admin_url
                             else f"skipped: set {PG_ENV} (or run `make bench`)")
    return out


def run(quick: bool) -> dict[str, Any]:
    return asyncio.run(_run(QUICK_LINES if quick else LINES))


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv[1:]), indent=2))
