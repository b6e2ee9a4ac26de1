"""Flag: another server reports an account (and some of its posts) to our moderators."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading.notifications import notify
from federation.sanitize import plain_text
from federation.vocab import ids, text
from inbox import fetch
from inbox.context import Incoming
from storage.errors import Invalid
from storage.models import Actor, Report, Status, User
from storage.queries import actors_by_uris

MAX_FLAGGED = 100
MAX_COMMENT_CHARS = 5000
MODERATOR_ROLES = ("moderator", "admin", "owner")


async def handle(ctx: Incoming, activity: dict[str, Any]) -> None:
    flagged = ids(activity.get("object"))[:MAX_FLAGGED]
    if not flagged:
        raise Invalid("the Flag names nothing")
    reporter = await fetch.actor(ctx.services, ctx.actor_uri)
    async with ctx.transaction() as session:
        if await session.scalar(select(Report.id).where(Report.uri == ctx.activity_id)) is not None:
            return
        accounts = sorted(await actors_by_uris(session, flagged),
                          key=lambda actor: not actor.is_local)  # accounts of this server first
        statuses = list((await session.scalars(
            select(Status).where(Status.uri.in_(flagged), Status.local.is_(True)))).all())
        target_id = accounts[0].id if accounts else (statuses[0].actor_id if statuses else None)
        if target_id is None:
            raise Invalid("the Flag names no account or post known here")
        report = Report(uri=ctx.activity_id, reporter_id=reporter.id, target_id=target_id,
                        status_ids=[s.id for s in statuses if s.actor_id == target_id],
                        comment=plain_text(text(activity, "content"), limit=MAX_COMMENT_CHARS))
        session.add(report)
        await session.flush()
        await _tell_moderators(session, reporter, report.id)


async def _tell_moderators(session: AsyncSession, reporter: Actor, report_id: int) -> None:
    moderators = (await session.scalars(
        select(Actor).join(User, User.actor_id == Actor.id)
        .where(User.role.in_(MODERATOR_ROLES), User.disabled.is_(False)))).all()
    for moderator in moderators:
        await notify(session, moderator, "admin.report", reporter, report_id=report_id)
