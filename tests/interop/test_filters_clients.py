"""Filters with real clients on a live Amity node: Mastodon.py's filters v2 (filters, keywords,
status filters) and v1 calls, and what they do to the home timeline (`hide` leaves a post out,
`warn` gives it `filtered`); toot, which has no filter commands (toot 0.52: none in `toot
--help`), shows the home timeline with a warned post, parsing its FilterResult, and without a
hidden one."""

from __future__ import annotations

import asyncio
from pathlib import Path

from mastodon import MastodonAPIError, MastodonNotFoundError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.social import follows
from storage.models import CustomFilter, FilterKeyword, TimelineEntry
from tests.integration.node import AmityNode, eventually
from tests.interop.amity_fedify import amity
from tests.interop.test_mastodon_timelines import _post, _sign_in
from tests.interop.test_toot_day import PASSWORD, Toot

__all__ = ["amity"]  # the fixture, shared with the main interop module


async def _filter_rows(amity: AmityNode) -> tuple[int, int]:
    async def count(session: AsyncSession) -> tuple[int, int]:
        filters = await session.scalar(select(func.count()).select_from(CustomFilter))
        keywords = await session.scalar(select(func.count()).select_from(FilterKeyword))
        return int(filters or 0), int(keywords or 0)
    return await amity.query(count)


async def test_mastodon_py_and_toot_with_filters(amity: AmityNode, tmp_path: Path) -> None:
    ana, bea = await amity.create_user("ana"), await amity.create_user("bea")
    await amity.write(lambda s: follows.follow(s, ana, bea, base_url=amity.base_url))
    spoiler = await _post(amity, bea, "Spoilers for the finale tonight")
    calm = await _post(amity, bea, "A calm walk by the river")

    async def fanned_out() -> bool:
        count = await amity.query(lambda s: s.scalar(select(func.count()).select_from(TimelineEntry).where(
            TimelineEntry.owner_id == ana.id, TimelineEntry.status_id == calm.id)))
        return bool(count)
    await eventually(fanned_out, nodes=(amity,))
    base = amity.base_url

    def with_mastodon_py() -> None:
        api = _sign_in(base, "ana")
        made = api.create_filter_v2("Finale", ["home", "public"], "hide",
                                    keywords_attributes=[{"keyword": "spoilers", "whole_word": True}])
        assert made.title == "Finale" and made.filter_action == "hide"
        assert [k.keyword for k in made.keywords] == ["spoilers"]
        assert [f.id for f in api.filters_v2()] == [made.id]
        assert [str(s.id) for s in api.timeline_home()] == [str(calm.id)]

        keyword = api.add_filter_keyword_v2(made, "river", whole_word=False)
        assert [k.keyword for k in api.filter_keywords_v2(made)] == ["spoilers", "river"]
        assert api.timeline_home() == []
        api.delete_filter_keyword_v2(keyword)
        status_filter = api.add_filter_status_v2(made, calm.id)
        assert str(api.filter_status_v2(status_filter).status_id) == str(calm.id)
        assert [s.id for s in api.filter_statuses_v2(made)] == [status_filter.id]
        api.delete_filter_status_v2(status_filter)

        warned = api.update_filter_v2(made, filter_action="warn")
        assert warned.filter_action == "warn" and api.filter_v2(made).filter_action == "warn"
        home = api.timeline_home()
        assert [str(s.id) for s in home] == [str(calm.id), str(spoiler.id)]
        [result] = home[1].filtered
        assert result.filter.title == "Finale" and result.keyword_matches == ["spoilers"]
        assert home[0].filtered == []

        try:
            api.create_filter_v2("Bad", ["everywhere"], "hide")
            raise AssertionError("an unknown context was accepted")
        except MastodonAPIError as error:
            assert "invalid context" in str(error)

        old = api.filter_create("river", ["home"], irreversible=True, whole_word=True)
        assert old.phrase == "river" and old.irreversible is True
        assert {f.phrase for f in api.filters()} == {"spoilers", "river"}
        assert api.filter(old).phrase == "river"
        assert [str(s.id) for s in api.timeline_home()] == [str(spoiler.id)]
        assert api.filter_update(old, phrase="walk").phrase == "walk"
        api.filter_delete(old)
        assert {f.phrase for f in api.filters()} == {"spoilers"}

        other = _sign_in(base, "bea")
        try:
            other.filter_v2(made.id)
            raise AssertionError("another member's filter was shown")
        except MastodonNotFoundError:
            pass

    await asyncio.to_thread(with_mastodon_py)
    assert await _filter_rows(amity) == (1, 1)  # "Finale" and its keyword; the v1 one went with its keyword

    toot = Toot(tmp_path / "toot-config")
    await toot.run("login_cli", "-i", base, "-e", "ana@example.org", "-p", PASSWORD)
    printed = await toot.run("timelines", "home", "--no-pager", "--no-clear")  # a warned post: shown
    assert "Spoilers for the finale" in printed and "A calm walk" in printed

    def hide_again() -> None:
        api = _sign_in(base, "ana")
        [made] = api.filters_v2()
        api.update_filter_v2(made, filter_action="hide")

    await asyncio.to_thread(hide_again)
    printed = await toot.run("timelines", "home", "--no-pager", "--no-clear")
    assert "Spoilers for the finale" not in printed and "A calm walk" in printed
