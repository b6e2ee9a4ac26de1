"""Remote posts feed the tag-use counters behind trends by the same rule as local ones."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.services import Services
from inbox.apply.statuses import parse_status, store_status
from storage.models import Tag, TagUse
from tests.actors.factories import remote_actor, seed

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def test_public_posts_of_discoverable_remote_accounts_count_once_per_account_and_day(
        services: Services, engine: AsyncEngine) -> None:
    rita, ron = remote_actor("rita", "remote.example"), remote_actor("ron", "remote.example")
    rita.discoverable = True
    await seed(engine, rita, ron)
    hashtag = [{"type": "Hashtag", "name": "#Fediverse"}]
    docs = [(rita, 1, [PUBLIC]), (rita, 2, [PUBLIC]), (rita, 3, [f"{rita.uri}/followers"]),
            (ron, 4, [PUBLIC])]
    async with services.sessions() as session, session.begin():
        for author, number, to in docs:
            doc = {"id": f"{author.uri}/notes/{number}", "type": "Note", "attributedTo": author.uri,
                   "content": "<p>#Fediverse</p>", "to": to, "tag": hashtag}
            await store_status(session, parse_status(doc, author), author)
    async with services.sessions() as session:
        rows = (await session.execute(select(Tag.name, TagUse.actor_id, TagUse.uses)
                                      .join(Tag, Tag.id == TagUse.tag_id))).all()
    assert [tuple(r) for r in rows] == [("fediverse", rita.id, 2)]
