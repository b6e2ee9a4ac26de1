"""Sign-up by registration mode, invites, e-mail confirmation and password reset, with mail
sent through a real SMTP server on loopback; every refusal leaves no account behind."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.accounts import registration
from actors.accounts.local_users import create_local_user
from actors.accounts.mailer import MAIL_KIND, send_mail
from actors.accounts.passwords import verify_password
from federation.services import Services
from storage import settings
from storage.db import session_maker
from storage.errors import Forbidden, Invalid
from storage.models import Job, Notification, OAuthAccessToken, OAuthApplication, User, UserToken, utcnow
from storage.worker import Registry, Worker, drain
from tests.smtp_server import MailDrop, running_smtp_server

PASSWORD = "correct horse battery"


@pytest.fixture
def smtp() -> Iterator[MailDrop]:
    with running_smtp_server() as drop:
        yield drop


async def _set_mode(engine: AsyncEngine, mode: str) -> None:
    async with session_maker(engine)() as session, session.begin():
        await settings.set_value(session, "registration_mode", mode)


async def _sign_up(services: Services, name: str = "bea", *, reason: str = "",
                   invite_code: str | None = None) -> registration.SignUp:
    async with session_maker(services.engine)() as session, session.begin():
        return await registration.sign_up(
            session, services.config, username=name, email=f"{name}@school.example", password=PASSWORD,
            reason=reason, invite_code=invite_code)


async def _count(engine: AsyncEngine, model: type) -> int:
    async with session_maker(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _user(engine: AsyncEngine, name: str) -> User:
    async with session_maker(engine)() as session:
        user = await session.scalar(select(User).where(User.email == f"{name}@school.example"))
        assert user is not None
        return user


async def _send_mail(services: Services) -> None:
    registry = Registry()
    registry.register(MAIL_KIND, send_mail)
    await drain(Worker(services.engine, registry, deps=services))


def _token(link: str, name: str) -> str:
    return parse_qs(urlsplit(link).query)[name][0]


async def test_open_sign_up_without_e_mail_starts_confirmed_and_tells_the_staff(
        services: Services, engine: AsyncEngine) -> None:
    async with session_maker(engine)() as session, session.begin():
        await create_local_user(session, base_url=services.config.base_url, username="mod",
                                email="mod@school.example", password=PASSWORD, role="moderator")
    await _set_mode(engine, "open")
    made = await _sign_up(services)
    assert (made.confirmation_mailed, made.awaiting_approval) == (False, False)
    user = await _user(engine, "bea")
    assert user.confirmed_at is not None and user.approved
    assert registration.sign_in_refusal(user, services.config) is None
    assert await _count(engine, Job) == 0  # no mail without [smtp]
    async with session_maker(engine)() as session:
        types = (await session.scalars(select(Notification.type))).all()
    assert types == ["admin.sign_up"]


async def test_with_e_mail_the_account_confirms_through_the_mailed_link_once(
        services: Services, engine: AsyncEngine, smtp: MailDrop) -> None:
    services = dataclasses.replace(services, config=smtp.config_for(services.config))
    await _set_mode(engine, "open")
    made = await _sign_up(services)
    assert made.confirmation_mailed
    user = await _user(engine, "bea")
    assert "confirm your e-mail" in (registration.sign_in_refusal(user, services.config) or "")
    await _send_mail(services)
    [(recipients, message)] = smtp.messages
    assert recipients == ["bea@school.example"] and message["Subject"] == "Confirm your e-mail address"
    token = _token(smtp.link(r"http://amity\.test/auth/confirmation\?"), "confirmation_token")
    async with session_maker(engine)() as session:
        stored = (await session.scalars(select(UserToken.digest))).all()
    assert token not in stored and registration.digest(token) in stored  # only the digest is kept
    async with session_maker(engine)() as session, session.begin():
        await registration.confirm_email(session, token)
    assert registration.sign_in_refusal(await _user(engine, "bea"), services.config) is None
    with pytest.raises(Invalid, match="not valid any more"):
        async with session_maker(engine)() as session, session.begin():
            await registration.confirm_email(session, token)


async def test_approval_mode_waits_for_a_moderator_unless_invited(services: Services,
                                                                  engine: AsyncEngine) -> None:
    await _set_mode(engine, "approval")
    made = await _sign_up(services, reason="I run the library's reading club")
    assert made.awaiting_approval
    user = await _user(engine, "bea")
    assert user.sign_up_reason == "I run the library's reading club"
    assert "approval" in (registration.sign_in_refusal(user, services.config) or "")
    async with session_maker(engine)() as session, session.begin():
        await registration.approve(session, await session.get(User, user.id))  # type: ignore[arg-type]
    assert registration.sign_in_refusal(await _user(engine, "bea"), services.config) is None
    async with session_maker(engine)() as session, session.begin():
        invite, code = await registration.create_invite(session, max_uses=1)
    invited = await _sign_up(services, "cai", invite_code=code)
    assert not invited.awaiting_approval
    assert (await _user(engine, "cai")).invite_id == invite.id


async def _refused(services: Services, engine: AsyncEngine, error: type[Exception], match: str,
                   invite_code: str | None = None) -> None:
    before = await _count(engine, User)
    with pytest.raises(error, match=match):
        await _sign_up(services, "dee", invite_code=invite_code)
    assert await _count(engine, User) == before


async def test_invite_mode_needs_a_usable_invite(services: Services, engine: AsyncEngine) -> None:
    await _set_mode(engine, "invite")
    await _refused(services, engine, Forbidden, "by invitation only")
    await _refused(services, engine, Invalid, "invite link is not valid", invite_code="made-up")
    async with session_maker(engine)() as session, session.begin():
        _, once = await registration.create_invite(session, max_uses=1)
        _, stale = await registration.create_invite(session, expires_in=timedelta(days=-1))
    await _sign_up(services, "eve", invite_code=once)
    await _refused(services, engine, Invalid, "invite link is not valid", invite_code=once)  # used up
    await _refused(services, engine, Invalid, "invite link is not valid", invite_code=stale)


async def test_closed_mode_refuses_everyone(services: Services, engine: AsyncEngine) -> None:
    await _set_mode(engine, "closed")
    await _refused(services, engine, Forbidden, "not accepting new accounts")


async def test_password_reset_by_mail_signs_out_every_app(services: Services, engine: AsyncEngine,
                                                          smtp: MailDrop) -> None:
    services = dataclasses.replace(services, config=smtp.config_for(services.config))
    await _set_mode(engine, "open")
    await _sign_up(services)
    user = await _user(engine, "bea")
    async with session_maker(engine)() as session, session.begin():
        app = OAuthApplication(client_id="c", client_secret_hash="s" * 64, name="Tusky",
                               redirect_uris=["urn:ietf:wg:oauth:2.0:oob"], scopes="read")
        session.add(app)
        await session.flush()
        session.add(OAuthAccessToken(token_hash="t" * 64, application_id=app.id, user_id=user.id,
                                     scopes="read"))
        await registration.request_password_reset(session, services.config, "nobody@school.example")
        await registration.request_password_reset(session, services.config, "BEA@school.example")
    await _send_mail(services)
    # (the two mails are sent by concurrent jobs: either may arrive first)
    subjects = sorted(m["Subject"] for _, m in smtp.messages)
    assert subjects == ["Confirm your e-mail address", "Reset your password"]
    token = _token(smtp.link(r"http://amity\.test/auth/password/edit\?"), "reset_password_token")
    async with session_maker(engine)() as session, session.begin():
        await registration.reset_password(session, token, "a brand new passphrase")
    user = await _user(engine, "bea")
    assert verify_password("a brand new passphrase", user.password_hash)
    async with session_maker(engine)() as session:
        revoked = await session.scalar(select(OAuthAccessToken.revoked_at))
    assert revoked is not None and revoked <= utcnow()
    with pytest.raises(Invalid, match="not valid any more"):
        async with session_maker(engine)() as session, session.begin():
            await registration.reset_password(session, token, "another passphrase here")


async def test_an_expired_reset_link_is_refused(services: Services, engine: AsyncEngine,
                                                smtp: MailDrop) -> None:
    services = dataclasses.replace(services, config=smtp.config_for(services.config))
    await _set_mode(engine, "open")
    await _sign_up(services)
    async with session_maker(engine)() as session, session.begin():
        await registration.request_password_reset(session, services.config, "bea@school.example")
    await _send_mail(services)
    token = _token(smtp.link(r"http://amity\.test/auth/password/edit\?"), "reset_password_token")
    async with session_maker(engine)() as session, session.begin():
        row = await session.scalar(select(UserToken).where(UserToken.digest == registration.digest(token)))
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(Invalid, match="not valid any more"):
        async with session_maker(engine)() as session, session.begin():
            await registration.reset_password(session, token, "a brand new passphrase")
    assert verify_password(PASSWORD, (await _user(engine, "bea")).password_hash)


