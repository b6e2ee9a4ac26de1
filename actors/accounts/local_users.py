"""Local accounts: create, list, change role, disable, reset password."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.accounts.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, hash_password
from federation.httpsig.keys import generate_rsa_keypair
from storage.errors import Conflict, Invalid, NotFound
from storage.models import ROLES, Actor, User, utcnow

USERNAME_RE = re.compile(r"^[a-z0-9_]{1,30}$", re.IGNORECASE)
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
# Names that would confuse people or collide with the node's own actor.
RESERVED_USERNAMES = frozenset({"actor", "admin_actor", "instance", "relay", "root", "system",
                                "support", "postmaster", "abuse", "webmaster"})


@dataclass(frozen=True)
class AccountInfo:
    id: int
    username: str
    email: str
    role: str
    disabled: bool
    created_at: datetime


def local_actor_uri(base_url: str, username: str) -> str:
    return f"{base_url}/users/{username}"


def validate_username(username: str) -> str:
    if not USERNAME_RE.match(username):
        raise Invalid("username must be 1-30 letters, digits or underscores")
    if username.lower() in RESERVED_USERNAMES:
        raise Invalid(f"username {username!r} is reserved")
    return username


def validate_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise Invalid(f"{email!r} is not an e-mail address")
    return email


def validate_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(f"password must be at most {MAX_PASSWORD_LENGTH} characters")
    return password


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise Invalid(f"role must be one of: {', '.join(ROLES)}")
    return role


async def create_local_user(session: AsyncSession, *, base_url: str, username: str, email: str,
                            password: str, role: str = "member", confirmed: bool = True) -> User:
    """Create a local actor and its login in the caller's transaction."""
    validate_username(username)
    email = validate_email(email)
    validate_password(password)
    validate_role(role)
    if await _local_actor_id(session, username) is not None:
        raise Conflict(f"username {username!r} is taken")
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"e-mail {email!r} is already used by another account")
    private_pem, public_pem = generate_rsa_keypair()
    uri = local_actor_uri(base_url, username)
    actor = Actor(
        username=username, domain=None, uri=uri, actor_type="Person", url=f"{base_url}/@{username}",
        inbox_url=f"{uri}/inbox", shared_inbox_url=f"{base_url}/inbox", outbox_url=f"{uri}/outbox",
        followers_url=f"{uri}/followers", following_url=f"{uri}/following",
        featured_url=f"{uri}/collections/featured", key_id=f"{uri}#main-key",
        public_key_pem=public_pem, private_key_pem=private_pem,
    )
    session.add(actor)
    await session.flush()
    user = User(actor_id=actor.id, email=email, password_hash=hash_password(password), role=role,
                confirmed_at=utcnow() if confirmed else None)
    session.add(user)
    await session.flush()
    return user


async def _local_actor_id(session: AsyncSession, username: str) -> int | None:
    return await session.scalar(
        select(Actor.id).where(Actor.domain.is_(None), func.lower(Actor.username) == username.lower())
    )


async def find_user(session: AsyncSession, username: str) -> User:
    user = await session.scalar(
        select(User).join(Actor, Actor.id == User.actor_id)
        .where(Actor.domain.is_(None), func.lower(Actor.username) == username.lower())
    )
    if user is None:
        raise NotFound(f"no local account named {username!r}")
    return user


async def list_users(session: AsyncSession) -> list[AccountInfo]:
    rows = await session.execute(
        select(User.id, Actor.username, User.email, User.role, User.disabled, User.created_at)
        .join(Actor, Actor.id == User.actor_id)
        .order_by(User.id)
    )
    return [AccountInfo(*row) for row in rows.all()]


async def count_local_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def set_role(session: AsyncSession, username: str, role: str) -> User:
    """The one way a role changes: the actor's `updated_at` moves with it, because the role is
    part of the Account entity and rendered accounts are cached by `updated_at`."""
    user = await find_user(session, username)
    user.role = validate_role(role)
    actor = await session.get(Actor, user.actor_id)
    if actor is not None:
        actor.updated_at = utcnow()
    return user


async def set_disabled(session: AsyncSession, username: str, disabled: bool) -> User:
    user = await find_user(session, username)
    user.disabled = disabled
    return user


async def reset_password(session: AsyncSession, username: str, password: str) -> User:
    user = await find_user(session, username)
    user.password_hash = hash_password(validate_password(password))
    return user
