"""E-mail through a real SMTP server on loopback (aiosmtpd): queued in the caller's
transaction, sent by the job, retried on 4xx, given up on 5xx, off without [smtp] host."""

from __future__ import annotations

import dataclasses
import email
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.mailer import MAIL_KIND, Mail, queue_mail, send_mail
from federation.services import Services
from storage.config import Smtp
from storage.db import session_maker
from storage.models import Job
from storage.worker import Registry, Worker, drain


class Inbox:
    """An SMTP server's DATA handler that keeps messages, or answers with a fixed failure."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.answer: str | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answer is not None:
            return self.answer
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _with_smtp(services: Services, port: int) -> Services:
    smtp = Smtp(host="127.0.0.1", port=port, security="none", timeout_seconds=5)
    return dataclasses.replace(services, config=dataclasses.replace(services.config, smtp=smtp))


def _worker(services: Services) -> Worker:
    registry = Registry()
    registry.register(MAIL_KIND, send_mail)
    return Worker(services.engine, registry, deps=services)


async def _queue(services: Services, mail: Mail) -> bool:
    async with session_maker(services.engine)() as session, session.begin():
        return await queue_mail(session, services.config, mail)


async def _jobs(engine: AsyncEngine) -> list[Job]:
    async with session_maker(engine)() as session:
        return list((await session.scalars(select(Job))).all())


WELCOME = Mail(to="ana@school.example", subject="Confirm your account",
               text="Open this link to confirm: https://amity.test/auth/confirm?token=abc\n")


async def test_a_queued_mail_is_sent_by_the_job(services: Services, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    services = _with_smtp(services, port)
    assert await _queue(services, WELCOME) is True
    assert inbox.messages == []  # nothing is sent inside the request's transaction
    await drain(_worker(services))
    [(recipients, message)] = inbox.messages
    assert recipients == ["ana@school.example"]
    assert message["Subject"] == "Confirm your account"
    assert message["From"] == "notifications@amity.test"
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes) and b"token=abc" in body
    assert await _jobs(services.engine) == []


async def test_a_temporary_failure_is_retried_later(services: Services,
                                                    smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    services = _with_smtp(services, port)
    inbox.answer = "451 Try again later"
    await _queue(services, WELCOME)
    await drain(_worker(services))
    [job] = await _jobs(services.engine)
    assert job.state == "queued" and job.attempts == 1
    assert "451" in (job.last_error or "") and "token" not in (job.last_error or "")


async def test_a_permanent_failure_gives_up(services: Services, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    services = _with_smtp(services, port)
    inbox.answer = "550 No such mailbox"
    await _queue(services, WELCOME)
    await drain(_worker(services))
    [job] = await _jobs(services.engine)
    assert job.state == "dead" and "550" in (job.last_error or "")


async def test_an_unreachable_server_is_retried_with_a_hint(services: Services) -> None:
    services = _with_smtp(services, _free_port())  # nothing listens there
    await _queue(services, WELCOME)
    await drain(_worker(services))
    [job] = await _jobs(services.engine)
    assert job.state == "queued"
    assert "could not be reached" in (job.last_error or "") and "[smtp]" in (job.last_error or "")


async def test_without_smtp_nothing_is_queued(services: Services) -> None:
    assert services.config.smtp.enabled is False
    assert await _queue(services, WELCOME) is False
    assert await _jobs(services.engine) == []
