"""The GET side of ActivityPub: discovery, actors, objects and collections.

`setup(app)` registers every route (paths fixed in ARCHITECTURE.md). Module map:
`discovery` (WebFinger, host-meta, NodeInfo), `actors`, `objects`, `collections`,
`activities` (sent activities by id);
`negotiation` (AS2 or HTML), `signed` (signed GETs, `authorized_fetch`), `queries`,
`documents` (rows → Notes and Creates) and `pages` (minimal HTML).
"""

from __future__ import annotations

from aiohttp import web

from ui.activitypub import activities, actors, collections, discovery, objects


def setup(app: web.Application) -> None:
    discovery.setup(app)
    actors.setup(app)
    objects.setup(app)
    collections.setup(app)
    activities.setup(app)
