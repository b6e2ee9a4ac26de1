"""Checking an e-mail (or username) and password: the sign-in form and the password grant.

scrypt costs tens of milliseconds of CPU, so it runs in a worker thread, and it runs for
unknown logins too (against a fixed dummy hash), so the answer time does not tell whether an
account exists. A process checks at most `limits.password_checks_at_once` passwords at a
time (`PasswordGate`); other sign-ins wait their turn in order, holding no database
connection, and past `limits.password_checks_queued` waiting ones the answer is 503 with
Retry-After instead of a growing pile of threads and 16 MiB buffers.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actors.accounts.passwords import MAX_PASSWORD_LENGTH, hash_password, verify_password
from storage.config import Limits
from storage.models import Actor, User

WRONG = "The e-mail address or password is wrong."


@functools.cache
def _dummy_hash() -> str:
    return hash_password("not a real password: equalises the time of failed look-ups")


class PasswordGate:
    """Password checks of one process: a few at once, the rest queued (FIFO), the queue capped."""

    def __init__(self, at_once: int, queued: int) -> None:
        self._slots = asyncio.Semaphore(at_once)
        self._max_queued = queued
        self._queued = 0

    @classmethod
    def from_limits(cls, limits: Limits) -> PasswordGate:
        return cls(limits.password_checks_at_once, limits.password_checks_queued)

    async def verify(self, password: str, stored: str) -> bool:
        if self._queued >= self._max_queued:
            raise web.HTTPServiceUnavailable(text="Too many sign-ins at once: try again in a moment",
                                             headers={"Retry-After": "1"})
        self._queued += 1
        try:
            await self._slots.acquire()
        finally:
            self._queued -= 1
        try:
            return await asyncio.to_thread(verify_password, password, stored)
        finally:
            self._slots.release()


PASSWORD_GATE = web.AppKey("password_gate", PasswordGate)
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


async def check_login(sessions: async_sessionmaker[AsyncSession], gate: PasswordGate, login: str,
                      password: str) -> LoginResult:
    """The member with this login and password, or why not; no connection is held while hashing."""
    login = login.strip()
    if not login or not password or len(login) > 320 or len(password) > MAX_PASSWORD_LENGTH:
        return LoginResult(None, WRONG)
    async with sessions() as session:
        found = await session.execute(
            select(User, Actor).join(Actor, Actor.id == User.actor_id).where(
                User.email == login.lower() if "@" in login else
                (Actor.domain.is_(None)) & (func.lower(Actor.username) == login.lower())))
        row = found.first()
    stored = row[0].password_hash if row is not None else _dummy_hash()
    matches = await gate.verify(password, stored)
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
