"""`GET /api/v1/custom_emojis`: the node's own enabled emoji."""

from __future__ import annotations

from storage.models import CustomEmoji
from tests.ui.client_api import Api


async def test_custom_emojis_are_the_local_enabled_ones(api: Api) -> None:
    async with api.services.sessions() as session, session.begin():
        session.add(CustomEmoji(shortcode="blobcat", domain=None, image_url="http://localhost/media/a.png"))
        session.add(CustomEmoji(shortcode="hidden", domain=None, image_url="http://localhost/media/b.png",
                                visible_in_picker=False))
        session.add(CustomEmoji(shortcode="off", domain=None, image_url="http://localhost/media/c.png",
                                disabled=True))
        session.add(CustomEmoji(shortcode="theirs", domain="remote.example", image_url="https://r/x.png"))
    answer = await api.json("GET", "/api/v1/custom_emojis")
    listed = [(e["shortcode"], e["visible_in_picker"]) for e in answer]
    assert listed == [("blobcat", True), ("hidden", False)]
    assert answer[0] == {"shortcode": "blobcat", "url": "http://localhost/media/a.png",
                         "static_url": "http://localhost/media/a.png", "visible_in_picker": True,
                         "category": None}
