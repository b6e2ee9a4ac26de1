"""Joining the node: sign-up by the instance's registration mode, invites, e-mail confirmation,
password reset by e-mail, and approval by moderators.

Modes (instance setting `registration_mode`): `open` (anyone), `approval` (an account waits
until a moderator approves it; a valid invite skips the wait), `invite` (a valid invite is
needed) and `closed`. With `[smtp]` configured, a new account confirms its e-mail address
through a mailed single-use link before it can sign in; without it, accounts start
confirmed (docs/operator-guide.md says so). Tokens and invite codes are random; only their
SHA-256 digests are stored, and a used or expired one is refused with the same message as a
wrong one.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actors.accounts.local_users import create_local_user, validate_email, validate_password
from actors.accounts.mailer import Mail, queue_mail
from actors.accounts.passwords import hash_password
from actors.moderation import signup_blocks
from actors.reading.notifications import notify
from storage import settings
from storage.config import NodeConfig
from storage.errors import Forbidden, Invalid
from storage.models import Actor, BrowserSession, Invite, OAuthAccessToken, User, UserToken, utcnow

CONFIRM_FOR = timedelta(days=2)
RESET_FOR = timedelta(hours=2)
MAX_REASON_CHARS = 500
STAFF_ROLES = ("moderator", "admin", "owner")


@dataclass(frozen=True)
class SignUp:
    user: User
    confirmation_mailed: bool  # False when e-mail is off: the account starts confirmed
    awaiting_approval: bool


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def invite_url(base_url: str, code: str) -> str:
    return f"{base_url}/invite/{code}"


def confirmation_url(base_url: str, token: str) -> str:
    return f"{base_url}/auth/confirmation?confirmation_token={token}"


def reset_url(base_url: str, token: str) -> str:
    return f"{base_url}/auth/password/edit?reset_password_token={token}"


async def sign_up(session: AsyncSession, config: NodeConfig, *, username: str, email: str, password: str,
                  locale: str = "en", reason: str = "", invite_code: str | None = None,
                  ip: str | None = None) -> SignUp:
    """Create an account as the registration mode allows; mail its confirmation link. Sign-ups
    from a blocked e-mail address, domain or IP range are refused (`signup_blocks`)."""
    mode = await settings.get(session, "registration_mode")
    invite = await _usable_invite(session, invite_code) if invite_code else None
    if invite_code and invite is None:
        raise Invalid("this invite link is not valid (it may have expired or been used up)")
    if mode == "closed" and invite is None:
        raise Forbidden("this server is not accepting new accounts")
    if mode == "invite" and invite is None:
        raise Forbidden("this server accepts new accounts by invitation only: ask a member for an invite")
    needs_approval = await signup_blocks.check_sign_up(session, email, ip, invited=invite is not None)
    user = await create_local_user(session, base_url=config.base_url, username=username, email=email,
                                   password=password, confirmed=not config.smtp.enabled)
    user.locale = locale[:16] or "en"
    user.sign_up_reason = reason.strip()[:MAX_REASON_CHARS]
    user.approved = (mode != "approval" and not needs_approval) or invite is not None
    user.sign_up_ip = ip
    if invite is not None:
        invite.uses += 1
        user.invite_id = invite.id
    mailed = False
    if config.smtp.enabled:
        token = await _new_token(session, user, "confirm", CONFIRM_FOR)
        mailed = await queue_mail(session, config, Mail(
            to=user.email, subject="Confirm your e-mail address",
            text=f"Welcome to {config.domain}!\n\nOpen this link to confirm your e-mail address:\n"
                 f"{confirmation_url(config.base_url, token)}\n\nIt works once, for "
                 f"{CONFIRM_FOR.days} days. If you did not sign up, ignore this message.\n"))
    await _tell_staff(session, user)
    await session.flush()
    return SignUp(user, mailed, not user.approved)


async def confirm_email(session: AsyncSession, token: str) -> User:
    user = await _redeem(session, token, "confirm")
    user.confirmed_at = user.confirmed_at or utcnow()
    return user


async def request_password_reset(session: AsyncSession, config: NodeConfig, email: str) -> None:
    """Mail a reset link if the address belongs to an account; the caller says the same either way."""
    try:
        address = validate_email(email)
    except Invalid:
        return
    user = await session.scalar(select(User).where(User.email == address))
    if user is None or user.disabled or not config.smtp.enabled:
        return
    token = await _new_token(session, user, "reset", RESET_FOR)
    await queue_mail(session, config, Mail(
        to=user.email, subject="Reset your password",
        text=f"Someone asked to reset the password of your account on {config.domain}.\n\n"
             f"To choose a new one, open this link within {int(RESET_FOR.total_seconds() // 3600)} hours:\n"
             f"{reset_url(config.base_url, token)}\n\nIf it was not you, ignore this message: "
             "your password stays as it is.\n"))


async def reset_password(session: AsyncSession, token: str, password: str) -> User:
    """Set a new password with a mailed token; every app signed in as the member is signed out."""
    validate_password(password)
    user = await _redeem(session, token, "reset")
    user.password_hash = hash_password(password)
    user.confirmed_at = user.confirmed_at or utcnow()  # the link reached their mailbox
    await session.execute(update(OAuthAccessToken).where(
        OAuthAccessToken.user_id == user.id, OAuthAccessToken.revoked_at.is_(None)
    ).values(revoked_at=utcnow()))
    await session.execute(delete(BrowserSession).where(BrowserSession.user_id == user.id))
    return user


def sign_in_refusal(user: User, config: NodeConfig) -> str | None:
    """Why this account may not sign in yet, or None."""
    if user.disabled:
        return "this account is disabled"
    if config.smtp.enabled and user.confirmed_at is None:
        return "confirm your e-mail address first: open the link we mailed you"
    if not user.approved:
        return "your account is waiting for a moderator's approval"
    return None


async def approve(session: AsyncSession, user: User) -> None:
    user.approved = True


async def create_invite(session: AsyncSession, *, created_by: User | None = None, max_uses: int | None = None,
                        expires_in: timedelta | None = None) -> tuple[Invite, str]:
    """A new invite and its code (shown once: only the digest is stored)."""
    if max_uses is not None and max_uses < 1:
        raise Invalid("an invite is good for at least one use")
    code = secrets.token_urlsafe(12)
    invite = Invite(code_digest=digest(code), created_by_id=None if created_by is None else created_by.id,
                    max_uses=max_uses, expires_at=None if expires_in is None else utcnow() + expires_in)
    session.add(invite)
    await session.flush()
    return invite, code


async def _usable_invite(session: AsyncSession, code: str) -> Invite | None:
    invite = await session.scalar(select(Invite).where(Invite.code_digest == digest(code)))
    if invite is None or invite.revoked_at is not None or _expired(invite.expires_at):
        return None
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return None
    return invite


async def _new_token(session: AsyncSession, user: User, purpose: str, valid_for: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    await session.execute(update(UserToken).where(  # one live link per purpose: older ones stop working
        UserToken.user_id == user.id, UserToken.purpose == purpose, UserToken.used_at.is_(None)
    ).values(used_at=utcnow()))
    session.add(UserToken(user_id=user.id, purpose=purpose, digest=digest(token),
                          expires_at=utcnow() + valid_for))
    return token


async def _redeem(session: AsyncSession, token: str, purpose: str) -> User:
    row = await session.scalar(select(UserToken).where(UserToken.digest == digest(token),
                                                       UserToken.purpose == purpose))
    if row is None or row.used_at is not None or _expired(row.expires_at):
        raise Invalid("this link is not valid any more: ask for a new one")
    user = await session.get(User, row.user_id)
    if user is None or user.disabled:
        raise Invalid("this link is not valid any more: ask for a new one")
    row.used_at = utcnow()
    return user


def _expired(when: datetime | None) -> bool:
    return when is not None and when <= utcnow()


async def _tell_staff(session: AsyncSession, user: User) -> None:
    """An `admin.sign_up` notification for every moderator and admin (as Mastodon)."""
    staff = (await session.scalars(select(User.actor_id).where(
        User.role.in_(STAFF_ROLES), User.disabled.is_(False), User.id != user.id))).all()
    newcomer = await session.get(Actor, user.actor_id)
    if newcomer is None:
        return
    for actor_id in staff:
        recipient = await session.get(Actor, actor_id)
        if recipient is not None:
            await notify(session, recipient, "admin.sign_up", newcomer)


async def invite_is_usable(session: AsyncSession, code: str) -> bool:
    """Whether an invite link can still be used (not revoked, expired or used up)."""
    return bool(code) and len(code) <= 128 and await _usable_invite(session, code) is not None
