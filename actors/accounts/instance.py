"""The instance actor: signs fetches made on the server's behalf (served at /actor)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.httpsig.keys import generate_rsa_keypair
from federation.urls import instance_actor_uri
from storage.models import Actor

INSTANCE_USERNAME = "actor"  # reserved: no member can take it


async def ensure_instance_actor(sessions: async_sessionmaker[AsyncSession], base_url: str,
                                domain: str) -> Actor:
    """The instance actor, created on first start (safe when several processes start at once)."""
    uri = instance_actor_uri(base_url)
    async with sessions() as session:
        found = await session.scalar(select(Actor).where(Actor.uri == uri))
    if found is not None:
        return found
    private_pem, public_pem = generate_rsa_keypair()
    actor = Actor(
        username=INSTANCE_USERNAME, domain=None, uri=uri, actor_type="Application",
        display_name=domain, url=f"{base_url}/about", inbox_url=f"{uri}/inbox",
        shared_inbox_url=f"{base_url}/inbox", outbox_url=f"{uri}/outbox", key_id=f"{uri}#main-key",
        public_key_pem=public_pem, private_key_pem=private_pem, locked=True,
    )
    try:
        async with sessions() as session, session.begin():
            session.add(actor)
    except IntegrityError:  # another process created it first
        async with sessions() as session:
            return (await session.scalars(select(Actor).where(Actor.uri == uri))).one()
    return actor
