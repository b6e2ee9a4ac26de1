"""Local accounts: validation, uniqueness, roles, passwords."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.accounts import local_users
from actors.accounts.passwords import hash_password, verify_password
from storage.db import session_maker
from storage.errors import Conflict, Invalid, NotFound
from storage.models import Actor, User

BASE = "https://amity.test"


async def _create(engine: AsyncEngine, username: str = "ana", email: str = "ana@example.org",
                  password: str = "correct horse", role: str = "member") -> User:
    async with session_maker(engine)() as session, session.begin():
        return await local_users.create_local_user(session, base_url=BASE, username=username, email=email,
                                                password=password, role=role)


async def test_a_new_user_has_a_local_actor_with_keys_and_urls(engine: AsyncEngine) -> None:
    user = await _create(engine)
    async with session_maker(engine)() as session:
        actor = await session.get(Actor, user.actor_id)
    assert actor is not None and actor.is_local
    assert actor.uri == f"{BASE}/users/ana"
    assert actor.inbox_url == f"{BASE}/users/ana/inbox" and actor.shared_inbox_url == f"{BASE}/inbox"
    assert actor.public_key_pem and actor.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert actor.private_key_pem and "PRIVATE KEY" in actor.private_key_pem
    assert verify_password("correct horse", user.password_hash)
    assert "correct horse" not in user.password_hash


async def test_usernames_are_unique_regardless_of_case(engine: AsyncEngine) -> None:
    await _create(engine)
    with pytest.raises(Conflict, match="taken"):
        await _create(engine, username="ANA", email="other@example.org")


async def test_emails_are_unique_and_stored_lower_case(engine: AsyncEngine) -> None:
    user = await _create(engine, email="Ana@Example.ORG")
    assert user.email == "ana@example.org"
    with pytest.raises(Conflict, match="already used"):
        await _create(engine, username="bea", email="ANA@example.org")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("username", "ana maria", "letters, digits or underscores"),
    ("username", "x" * 31, "1-30"),
    ("username", "Actor", "reserved"),
    ("email", "not-an-email", "is not an e-mail address"),
    ("password", "short", "at least 8"),
    ("role", "emperor", "role must be one of"),
])
async def test_invalid_input_is_refused_and_nothing_is_written(engine: AsyncEngine, field: str,
                                                               value: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        await _create(engine, **{field: value})
    async with session_maker(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(Actor)) == 0
        assert await session.scalar(select(func.count()).select_from(User)) == 0


async def test_role_disable_and_password_changes(engine: AsyncEngine) -> None:
    await _create(engine)
    async with session_maker(engine)() as session, session.begin():
        await local_users.set_role(session, "Ana", "moderator")
        await local_users.set_disabled(session, "ana", True)
        await local_users.reset_password(session, "ana", "a new password")
    async with session_maker(engine)() as session:
        [info] = await local_users.list_users(session)
        user = await local_users.find_user(session, "ana")
    assert (info.role, info.disabled) == ("moderator", True)
    assert verify_password("a new password", user.password_hash)
    assert not verify_password("correct horse", user.password_hash)


async def test_unknown_user_is_not_found(engine: AsyncEngine) -> None:
    async with session_maker(engine)() as session:
        with pytest.raises(NotFound, match="no local account named 'ghost'"):
            await local_users.find_user(session, "ghost")


def test_password_hashes_are_salted_and_reject_malformed_hashes() -> None:
    first, second = hash_password("same password"), hash_password("same password")
    assert first != second
    assert verify_password("same password", first) and verify_password("same password", second)
    assert not verify_password("same password", "md5$abc")
    assert not verify_password("same password", "")
