"""E-mail through a real SMTP server on loopback (aiosmtpd): queued in the caller's
transaction, sent by the job, retried on 4xx, given up on 5xx, off without [smtp] host."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.accounts.mailer import MAIL_KIND, Mail, queue_mail, send_mail
from federation.services import Services
from storage.config import Smtp
from storage.db import session_maker
from storage.models import Job
from storage.worker import Registry, Worker, drain
from tests.smtp_server import MailDrop, free_port, running_smtp_server


@pytest.fixture
def smtp() -> Iterator[MailDrop]:
    with running_smtp_server() as drop:
        yield drop


def _with_smtp(services: Services, drop: MailDrop) -> Services:
    return dataclasses.replace(services, config=drop.config_for(services.config))


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


async def test_a_queued_mail_is_sent_by_the_job(services: Services, smtp: MailDrop) -> None:
    inbox = smtp
    services = _with_smtp(services, smtp)
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


async def test_a_temporary_failure_is_retried_later(services: Services, smtp: MailDrop) -> None:
    inbox = smtp
    services = _with_smtp(services, smtp)
    inbox.answer = "451 Try again later"
    await _queue(services, WELCOME)
    await drain(_worker(services))
    [job] = await _jobs(services.engine)
    assert job.state == "queued" and job.attempts == 1
    assert "451" in (job.last_error or "") and "token" not in (job.last_error or "")


async def test_a_permanent_failure_gives_up(services: Services, smtp: MailDrop) -> None:
    inbox = smtp
    services = _with_smtp(services, smtp)
    inbox.answer = "550 No such mailbox"
    await _queue(services, WELCOME)
    await drain(_worker(services))
    [job] = await _jobs(services.engine)
    assert job.state == "dead" and "550" in (job.last_error or "")


async def test_an_unreachable_server_is_retried_with_a_hint(services: Services) -> None:
    unreachable = Smtp(host="127.0.0.1", port=free_port(), security="none", timeout_seconds=5)  # no server
    services = dataclasses.replace(services, config=dataclasses.replace(services.config, smtp=unreachable))
    await _queue(services, WELCOME)
    await drain(_worker(services))
    [job] = await _jobs(services.engine)
    assert job.state == "queued"
    assert "could not be reached" in (job.last_error or "") and "[smtp]" in (job.last_error or "")


async def test_without_smtp_nothing_is_queued(services: Services) -> None:
    assert services.config.smtp.enabled is False
    assert await _queue(services, WELCOME) is False
    assert await _jobs(services.engine) == []
