"""Flag: another server reports an account (and some of its posts) to our moderators.

A domain rule with `reject_reports` on the sender's domain drops its Flags: nothing is
fetched or stored. Moderators are told by `actors.moderation.reports.tell_moderators`.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from actors.moderation.reports import tell_moderators
from federation.sanitize import plain_text
from federation.urls import domain_of
from federation.vocab import ids, text
from inbox import fetch
from inbox.context import Incoming
from storage.errors import Invalid
from storage.models import Report, Status
from storage.queries import actors_by_uris, reports_rejected

log = logging.getLogger("amity.inbox.flag")

MAX_FLAGGED = 100
MAX_COMMENT_CHARS = 5000


async def handle(ctx: Incoming, activity: dict[str, Any]) -> None:
    flagged = ids(activity.get("object"))[:MAX_FLAGGED]
    if not flagged:
        raise Invalid("the Flag names nothing")
    async with ctx.services.sessions() as session:
        if await reports_rejected(session, domain_of(ctx.actor_uri)):
            log.info("flag.dropped", extra={"domain": domain_of(ctx.actor_uri), "reason": "reject_reports"})
            return
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
        await tell_moderators(session, report, reporter)
