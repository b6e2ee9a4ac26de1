"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for e-mail tests."""

from __future__ import annotations

import dataclasses
import email
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from storage.config import NodeConfig, Smtp


class MailDrop:
    """The server's DATA handler: keeps messages, or answers every one with `answer`."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.answer: str | None = None
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answer is not None:
            return self.answer
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted"

    def config_for(self, config: NodeConfig) -> NodeConfig:
        """`config` sending its mail here (plain SMTP on loopback)."""
        return dataclasses.replace(config, smtp=Smtp(host="127.0.0.1", port=self.port, security="none",
                                                      timeout_seconds=5))

    def bodies(self) -> list[str]:
        out = []
        for _, message in self.messages:
            payload = message.get_payload(decode=True)
            out.append(payload.decode() if isinstance(payload, bytes) else str(payload))
        return out

    def link(self, pattern: str) -> str:
        """The last mailed URL matching `pattern` (a regular expression)."""
        found = [m.group(0) for body in self.bodies() for m in re.finditer(pattern + r"\S*", body)]
        assert found, f"no mailed link matches {pattern!r}: {self.bodies()}"
        return found[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_smtp_server() -> Iterator[MailDrop]:
    drop = MailDrop()
    drop.port = free_port()
    controller = Controller(drop, hostname="127.0.0.1", port=drop.port)
    controller.start()
    try:
        yield drop
    finally:
        controller.stop()
