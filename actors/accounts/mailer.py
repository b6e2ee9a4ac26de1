"""E-mail to members (confirmations, password resets), sent by a job, never inside a request.

A slow or unreachable SMTP server therefore never holds up sign-up: the request queues a
`mail.send` job in its own transaction and answers; the job retries with backoff on
temporary failures (4xx answers, refused or dropped connections) and gives up on
permanent ones (5xx, refused recipient). The message waits in the job's payload until it is
sent (the job row is deleted then): links in it carry single-use tokens whose stored form
is a digest. Logs and job errors name the SMTP server and the failure, never the message
or the credentials. Without `[smtp] host` in the node config, e-mail is off and
`queue_mail` says so (the sign-up flow then skips confirmation; see docs/operator-guide.md).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession

from federation.services import Services
from storage import queue
from storage.config import NodeConfig, Smtp
from storage.worker import GiveUp, JobContext, RetryLater

MAIL_KIND = "mail.send"
TEMPORARY_RETRY_SECONDS = 300
log = logging.getLogger("amity.mail")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str  # plain text; every client reads it, screen readers included


async def queue_mail(session: AsyncSession, config: NodeConfig, mail: Mail) -> bool:
    """Queue `mail` in the caller's transaction; False (nothing queued) when e-mail is off."""
    if not config.smtp.enabled:
        log.info("mail.disabled", extra={"hint": "set [smtp] host in the node config to send e-mail"})
        return False
    await queue.enqueue(session, MAIL_KIND, asdict(mail))
    return True


def build_message(config: NodeConfig, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.mail_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=config.domain.split(":")[0])
    message["Auto-Submitted"] = "auto-generated"  # no vacation replies to the node
    message.set_content(mail.text)
    return message


async def send_mail(ctx: JobContext) -> None:
    """The `mail.send` job: one message to the configured SMTP server."""
    services: Services = ctx.deps
    smtp = services.config.smtp
    if not smtp.enabled:
        raise GiveUp("e-mail is off: set [smtp] host in the node config")
    message = build_message(services.config, Mail(**ctx.payload))
    try:
        await _send(smtp, message)
    except aiosmtplib.SMTPRecipientsRefused:
        raise GiveUp(f"{_where(smtp)} refused the recipient") from None
    except aiosmtplib.SMTPResponseException as exc:
        if exc.code >= 500:
            raise GiveUp(f"{_where(smtp)} answered {exc.code}: {exc.message[:200]}") from None
        raise RetryLater(f"{_where(smtp)} answered {exc.code}: {exc.message[:200]}",
                         delay_seconds=TEMPORARY_RETRY_SECONDS) from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise RetryLater(f"{_where(smtp)} could not be reached ({type(exc).__name__}): check [smtp] "
                         "host, port and security in the node config", delay_seconds=TEMPORARY_RETRY_SECONDS
                         ) from None
    log.info("mail.sent", extra={"smtp": _where(smtp)})


async def _send(smtp: Smtp, message: EmailMessage) -> None:
    await aiosmtplib.send(
        message, hostname=smtp.host, port=smtp.port, username=smtp.username or None,
        password=smtp.password or None, use_tls=smtp.security == "tls",
        start_tls=smtp.security == "starttls", timeout=smtp.timeout_seconds)


def _where(smtp: Smtp) -> str:
    return f"SMTP server {smtp.host}:{smtp.port}"
