"""Mastodon's Filter, FilterKeyword, FilterStatus, FilterResult and V1 Filter entities."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading.filters import FilterMatch
from storage.models import CustomFilter, FilterKeyword, FilterStatus
from ui.api.entities import iso_datetime


def keyword_entity(keyword: FilterKeyword) -> dict[str, Any]:
    return {"id": str(keyword.id), "keyword": keyword.keyword, "whole_word": keyword.whole_word}


def status_filter_entity(row: FilterStatus) -> dict[str, Any]:
    return {"id": str(row.id), "status_id": str(row.status_id)}


def filter_summary(row: CustomFilter) -> dict[str, Any]:
    """The Filter entity without its rules, as FilterResult carries it."""
    return {"id": str(row.id), "title": row.title, "context": list(row.context),
            "expires_at": iso_datetime(row.expires_at) if row.expires_at else None,
            "filter_action": row.action}


def filter_result(match: FilterMatch) -> dict[str, Any]:
    return {"filter": filter_summary(match.filter),
            "keyword_matches": list(match.keyword_matches) if match.keyword_matches else None,
            "status_matches": [str(i) for i in match.status_matches] if match.status_matches else None}


def v1_filter(row: CustomFilter, keyword: FilterKeyword) -> dict[str, Any]:
    """A keyword of a filter as the V1 Filter entity (its id is the keyword's, as Mastodon)."""
    return {"id": str(keyword.id), "phrase": keyword.keyword, "context": list(row.context),
            "whole_word": keyword.whole_word,
            "expires_at": iso_datetime(row.expires_at) if row.expires_at else None,
            "irreversible": row.action == "hide"}


async def render_filters(session: AsyncSession, rows: Sequence[CustomFilter]) -> list[dict[str, Any]]:
    """Filter entities with their keywords and statuses, in two queries for any number."""
    ids = [r.id for r in rows]
    keywords: dict[int, list[dict[str, Any]]] = defaultdict(list)
    statuses: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if ids:
        for k in (await session.scalars(select(FilterKeyword).where(FilterKeyword.filter_id.in_(ids))
                                        .order_by(FilterKeyword.id))).all():
            keywords[k.filter_id].append(keyword_entity(k))
        for s in (await session.scalars(select(FilterStatus).where(FilterStatus.filter_id.in_(ids))
                                        .order_by(FilterStatus.id))).all():
            statuses[s.filter_id].append(status_filter_entity(s))
    return [filter_summary(r) | {"keywords": keywords[r.id], "statuses": statuses[r.id]} for r in rows]


async def render_filter(session: AsyncSession, row: CustomFilter) -> dict[str, Any]:
    [entity] = await render_filters(session, [row])
    return entity
