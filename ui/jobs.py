"""The job kinds this node runs: every layer's handlers, registered in one place."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actors.accounts.mailer import MAIL_KIND, send_mail
from actors.media.remote_cache import CACHE_KIND, run_cache
from actors.media.transcoding import TRANSCODE_KIND, TRANSCODE_POLICY, run_transcode
from actors.moderation.domain_purge import PURGE_KIND, run_purge
from actors.moderation.suspension import DELETE_DATA_KIND, run_delete_data
from actors.outgoing.fanout import FANOUT_KIND, run_fanout
from actors.outgoing.outbox_retention import PRUNE_KIND, run_prune
from actors.posts.cards import CARD_KIND, CARD_POLICY, run_card
from actors.posts.poll_jobs import END_KIND, UPDATE_KIND, run_end, run_update
from actors.posts.scheduling import PUBLISH_KIND, run_publish
from actors.reading.trends import PRUNE_TAG_USES_KIND, run_prune_tag_uses
from federation.delivery.job import DELIVERY_KIND, DELIVERY_POLICY, DELIVERY_QUEUE, run_delivery
from inbox.maintenance import MAINTENANCE_KIND, run_maintenance
from inbox.process import process_item
from inbox.receive import PROCESS_KIND
from storage.periodic import ensure_scheduled
from storage.probe import PROBE_KIND, run_probe
from storage.worker import Registry

QUEUES = ("default", DELIVERY_QUEUE)  # what workers consume unless told otherwise
PERIODIC_FIRST_DELAY = 60.0  # seconds after a worker starts
# Queued when a worker starts, if none is waiting; each run queues the next (storage.periodic).
PERIODIC = (MAINTENANCE_KIND, PRUNE_KIND, PRUNE_TAG_USES_KIND)


def build_registry() -> Registry:
    registry = Registry()
    registry.register(PROBE_KIND, run_probe)
    registry.register(FANOUT_KIND, run_fanout)
    registry.register(DELIVERY_KIND, run_delivery, policy=DELIVERY_POLICY)
    registry.register(PROCESS_KIND, process_item)
    registry.register(UPDATE_KIND, run_update)
    registry.register(END_KIND, run_end)
    registry.register(CARD_KIND, run_card, policy=CARD_POLICY)
    registry.register(MAIL_KIND, send_mail)
    registry.register(CACHE_KIND, run_cache)
    registry.register(TRANSCODE_KIND, run_transcode, policy=TRANSCODE_POLICY)
    registry.register(PRUNE_KIND, run_prune)
    registry.register(MAINTENANCE_KIND, run_maintenance)
    registry.register(PUBLISH_KIND, run_publish)
    registry.register(PRUNE_TAG_USES_KIND, run_prune_tag_uses)
    registry.register(PURGE_KIND, run_purge)
    registry.register(DELETE_DATA_KIND, run_delete_data)
    return registry


async def schedule_periodic(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Queue the first run of each periodic job that has none waiting (a worker starts)."""
    for kind in PERIODIC:
        await ensure_scheduled(sessions, kind, delay_seconds=PERIODIC_FIRST_DELAY)
