"""Structured logs: one JSON object (or one key=value line) per event, with the request id.

Loggers are called as `log.info("event.name", extra={...})`; the extras become fields.
Nothing secret is passed to a logger in the first place; `REDACTED_KEYS` is a second net.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id",
                                                                            default=None)

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
REDACTED_KEYS = frozenset({"password", "token", "secret", "secret_key", "private_key",
                           "authorization", "signature", "cookie"})


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "event": record.getMessage(),
    }
    request_id = request_id_var.get()
    if request_id:
        fields["request_id"] = request_id
    for key, value in vars(record).items():
        if key not in _STANDARD and not key.startswith("_"):
            fields[key] = "[redacted]" if key.lower() in REDACTED_KEYS else value
    if record.exc_info and record.exc_info[0] is not None:
        fields["exception"] = logging.Formatter().formatException(record.exc_info)
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record), default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record)
        head = f"{fields.pop('ts')} {fields.pop('level'):7} {fields.pop('event')}"
        fields.pop("logger")
        exception = fields.pop("exception", None)
        tail = " ".join(f"{k}={v}" for k, v in fields.items())
        line = f"{head} {tail}".rstrip()
        return f"{line}\n{exception}" if exception else line


def setup_logging(level: str = "info", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries stay quiet unless something is wrong.
    for name in ("aiohttp.access", "sqlalchemy", "alembic", "asyncio"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
