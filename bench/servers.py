"""What the benchmarks share: server subprocesses on loopback (with their CPU time), the
PostgreSQL admin helpers, percentiles, and printing the JSON result."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web

START_TIMEOUT_S = 120.0


def listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


async def serve(app: web.Application) -> None:
    """Serve `app` on a free loopback port, print it as one JSON line, run until stdin closes."""
    sock = listening_socket()
    runner = web.AppRunner(app, access_log=None)  # as `amity serve` (no access log)
    await runner.setup()
    try:
        await web.SockSite(runner, sock, backlog=1024).start()
        print(json.dumps({"port": sock.getsockname()[1]}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        await runner.cleanup()


class Server:
    """A server subprocess: started, its port read, its CPU time read from /proc, stopped."""

    def __init__(self, proc: asyncio.subprocess.Process, port: int, log_path: Path) -> None:
        self.proc, self.port, self.log_path = proc, port, log_path

    @classmethod
    async def start(cls, log_path: Path, *args: str, module: str) -> Server:
        with log_path.open("wb") as log_file:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", module, "--serve", *args,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=log_file)
        assert proc.stdout is not None
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), START_TIMEOUT_S)
        except TimeoutError:
            line = b""
        if not line:
            proc.kill()
            await proc.wait()
            raise RuntimeError(f"the {args[0]} server did not start: {log_path.read_text()[-2000:]}")
        return cls(proc, int(json.loads(line)["port"]), log_path)

    def cpu_s(self) -> float | None:
        """User + system CPU seconds of the server process so far (Linux), else None."""
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 30)
        except TimeoutError:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()


def percentile(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else None


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def pg_admin(admin_url: str, sql: str) -> str:
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        return str(await conn.execute(sql))
    finally:
        await conn.close()


def print_json(result: dict[str, Any]) -> None:
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
