"""The instance actor: signs fetches made on the server's behalf (served at /actor)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError, NoResultFound
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.httpsig.keys import generate_rsa_keypair
from federation.urls import instance_actor_uri
from storage.models import Actor
from storage.queries import actor_by_uri

INSTANCE_USERNAME = "actor"  # reserved: no member can take it


async def ensure_instance_actor(sessions: async_sessionmaker[AsyncSession], base_url: str,
                                domain: str) -> Actor:
    """The instance actor, created on first start (safe when several processes start at once)."""
    uri = instance_actor_uri(base_url)
    async with sessions() as session:
        found = await actor_by_uri(session, uri)
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
    except IntegrityError as clash:  # another process created it first
        async with sessions() as session:
            created = await actor_by_uri(session, uri)
        if created is None:
            raise NoResultFound(uri) from clash
        return created
    return actor
