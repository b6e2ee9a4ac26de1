"""A member's lists: create, rename, delete, add and remove members (Mastodon's lists).

Only accounts the owner follows (or has asked to follow) may be listed, and the owner may list
themselves, as Mastodon. A member's row keeps the follow's id and goes with it (an unfollow,
a rejected request or a block removes the account from the owner's lists), see
`storage.models.lists`. Which posts a list shows is `actors.reading.list_feed`; how an
exclusive list takes its members out of the home timeline is `actors.reading.home_membership`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import Invalid, NotFound
from storage.models import REPLIES_POLICIES, Actor, Follow, ListAccount, MemberList

MAX_LISTS = 50  # per member, as Mastodon
MAX_TITLE = 255
MAX_ACCOUNTS_AT_ONCE = 250  # one request's account_ids[]: bounds the statements it runs
NOT_FOUND = "Record not found"


def _title(raw: str | None) -> str:
    title = (raw or "").strip()
    if not title:
        raise Invalid("Validation failed: Title can't be blank")
    if len(title) > MAX_TITLE:
        raise Invalid(f"Validation failed: Title is too long (maximum is {MAX_TITLE} characters)")
    return title


def _policy(raw: str | None) -> str:
    if raw not in REPLIES_POLICIES:
        raise Invalid(f"'{raw}' is not a valid replies_policy")
    return raw


async def create_list(session: AsyncSession, owner_id: int, title: str | None, *,
                      replies_policy: str | None = None, exclusive: bool | None = None) -> MemberList:
    count = await session.scalar(select(func.count()).select_from(MemberList)
                                 .where(MemberList.actor_id == owner_id))
    if (count or 0) >= MAX_LISTS:
        raise Invalid("You have reached the maximum number of lists")
    row = MemberList(actor_id=owner_id, title=_title(title),
                     replies_policy=_policy(replies_policy or "list"), exclusive=bool(exclusive))
    session.add(row)
    await session.flush()
    return row


async def owned_list(session: AsyncSession, owner_id: int, list_id: int | None) -> MemberList:
    """The owner's list; someone else's is as absent as a list that does not exist."""
    row = await session.get(MemberList, list_id) if list_id is not None else None
    if row is None or row.actor_id != owner_id:
        raise NotFound(NOT_FOUND)
    return row


async def update_list(session: AsyncSession, row: MemberList, *, title: str | None,
                      replies_policy: str | None, exclusive: bool | None) -> MemberList:
    """Change what is given (None: keep)."""
    if title is not None:
        row.title = _title(title)
    if replies_policy is not None:
        row.replies_policy = _policy(replies_policy)
    if exclusive is not None:
        row.exclusive = exclusive
    await session.flush()
    return row


async def delete_list(session: AsyncSession, row: MemberList) -> None:
    await session.execute(delete(MemberList).where(MemberList.id == row.id))


def _acct(actor: Actor) -> str:
    return actor.username if actor.domain is None else f"{actor.username}@{actor.domain}"


async def add_members(session: AsyncSession, row: MemberList, account_ids: Sequence[int]) -> None:
    """All or nothing: every account must exist, be followed (or asked) and not be listed yet."""
    wanted = list(dict.fromkeys(account_ids))
    if not wanted:
        raise Invalid("account_ids is missing")
    if len(wanted) > MAX_ACCOUNTS_AT_ONCE:
        raise Invalid(f"account_ids takes at most {MAX_ACCOUNTS_AT_ONCE} accounts")
    actors = {a.id: a for a in (await session.scalars(select(Actor).where(Actor.id.in_(wanted)))).all()}
    if len(actors) != len(wanted):
        raise NotFound(NOT_FOUND)
    follows = dict((await session.execute(select(Follow.followee_id, Follow.id).where(
        Follow.follower_id == row.actor_id, Follow.followee_id.in_(wanted)))).all())
    present = set((await session.scalars(select(ListAccount.account_id).where(
        ListAccount.list_id == row.id, ListAccount.account_id.in_(wanted)))).all())
    for account_id in wanted:
        if account_id != row.actor_id and account_id not in follows:
            name = _acct(actors[account_id])
            raise Invalid(f"You must follow @{name} before adding this account to a list.")
        if account_id in present:
            raise Invalid("Validation failed: Account has already been taken")
    session.add_all(ListAccount(list_id=row.id, account_id=account_id, follow_id=follows.get(account_id))
                    for account_id in wanted)
    await session.flush()


async def remove_members(session: AsyncSession, row: MemberList, account_ids: Sequence[int]) -> None:
    await session.execute(delete(ListAccount).where(ListAccount.list_id == row.id,
                                                    ListAccount.account_id.in_(list(account_ids))))


async def lists_with(session: AsyncSession, owner_id: int, account_id: int) -> list[MemberList]:
    """The owner's lists that hold `account_id` (Mastodon's `accounts/:id/lists`)."""
    return list((await session.scalars(
        select(MemberList).join(ListAccount, ListAccount.list_id == MemberList.id)
        .where(MemberList.actor_id == owner_id, ListAccount.account_id == account_id)
        .order_by(MemberList.id))).all())
