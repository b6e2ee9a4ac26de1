"""Checking an e-mail (or username) and password: the sign-in form and the password grant.

scrypt costs tens of milliseconds of CPU, so it runs in a worker thread, and it runs for
unknown logins too (against a fixed dummy hash), so the answer time does not tell whether an
account exists.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.passwords import MAX_PASSWORD_LENGTH, hash_password, verify_password
from storage.models import Actor, User

WRONG = "The e-mail address or password is wrong."


@functools.cache
def _dummy_hash() -> str:
    return hash_password("not a real password: equalises the time of failed look-ups")


DISABLED, PENDING, UNCONFIRMED = "disabled", "pending", "unconfirmed"


def refusal(user: User, actor: Actor | None) -> str | None:
    """Why this member may not use the node at all, or None: disabled or suspended, awaiting
    approval, or without a confirmed e-mail address. Sign-in, browser sessions, code exchange
    and every bearer token (reads too) ask this one question."""
    if user.disabled or actor is None or actor.suspended_at is not None:
        return DISABLED
    if not user.approved:
        return PENDING
    if user.confirmed_at is None:
        return UNCONFIRMED
    return None


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    problem: str | None  # a message for the member when `user` is None


async def check_login(session: AsyncSession, login: str, password: str) -> LoginResult:
    login = login.strip()
    if not login or not password or len(login) > 320 or len(password) > MAX_PASSWORD_LENGTH:
        return LoginResult(None, WRONG)
    found = await session.execute(
        select(User, Actor).join(Actor, Actor.id == User.actor_id).where(
            User.email == login.lower() if "@" in login else
            (Actor.domain.is_(None)) & (func.lower(Actor.username) == login.lower())))
    row = found.first()
    stored = row[0].password_hash if row is not None else _dummy_hash()
    matches = await asyncio.to_thread(verify_password, password, stored)
    if row is None or not matches:
        return LoginResult(None, WRONG)
    user, actor = row
    refused = refusal(user, actor)
    return LoginResult(user, None) if refused is None else LoginResult(None, _SIGN_IN_PROBLEMS[refused])


_SIGN_IN_PROBLEMS = {
    DISABLED: "Your login is currently disabled.",
    PENDING: "Your login is currently pending approval by a moderator.",
    UNCONFIRMED: "Your login is missing a confirmed e-mail address: follow the link in the confirmation "
                 "e-mail first.",
}
