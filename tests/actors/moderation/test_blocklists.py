"""Blocklists in Mastodon's CSV format (`actors.moderation.blocklists`): read, planned, applied
in batches with their audit entries, and exported so that importing the export changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.moderation import audit, blocklists, domains
from storage.db import session_maker
from storage.errors import Invalid
from storage.models import AuditLogEntry, DomainRule

LIST = """#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
spam.example,suspend,true,true,"Spam waves, daily",false
Loud.Example,silence,false,false,,true

# a comment line
bad domain,suspend,false,false,,false
flags.example,noop,true,false,,false
flags.example,noop,true,true,,false
odd.example,obliterate,false,false,,false
"""


def test_parsing_reads_mastodons_format_and_says_which_lines_are_invalid() -> None:
    rows, invalid = blocklists.parse_blocklist(LIST)
    assert [(r.domain, r.change.policy, r.change.reject_reports) for r in rows] == [
        ("spam.example", "suspend", True), ("loud.example", "silence", False),
        ("flags.example", "noop", True)]
    assert rows[0].change.public_comment == "Spam waves, daily" and rows[1].change.obfuscate
    assert [line for line, _ in invalid] == [6, 9]
    assert "obliterate" in invalid[1][1]
    plain, none = blocklists.parse_blocklist("one.example\ntwo.example\n")
    assert [(r.domain, r.change.policy) for r in plain] == [
        ("one.example", "suspend"), ("two.example", "suspend")]
    assert none == []


async def _rules(engine: AsyncEngine) -> dict[str, tuple[str, bool, str]]:
    async with session_maker(engine)() as session:
        return {r.domain: (r.policy, r.reject_media, r.private_comment)
                for r in (await session.scalars(select(DomainRule))).all()}


async def _import(engine: AsyncEngine, text: str, *, skip_invalid: bool = False) -> blocklists.ImportPlan:
    sessions = session_maker(engine)
    rows, invalid = blocklists.parse_blocklist(text)
    async with sessions() as session:
        plan = await blocklists.plan_import(session, rows, [] if skip_invalid else invalid)
    await blocklists.apply_import(sessions, audit.operator(), plan)
    return plan


async def test_an_import_with_invalid_lines_is_refused_whole(engine: AsyncEngine) -> None:
    with pytest.raises(Invalid, match="2 invalid lines"):
        await _import(engine, LIST)
    assert await _rules(engine) == {}


async def test_import_adds_changes_keeps_partners_and_private_comments_and_round_trips(
        engine: AsyncEngine) -> None:
    sessions = session_maker(engine)
    async with sessions() as session, session.begin():
        await domains.set_rule(session, audit.operator(), "partner.example",
                               domains.RuleChange(policy="allow"))
        await domains.set_rule(session, audit.operator(), "spam.example", domains.RuleChange(
            policy="silence", private_comment="ticket 7"))
    plan = await _import(engine, LIST + "partner.example,suspend,false,false,,false\n", skip_invalid=True)
    assert plan.summary() == {"added": 2, "changed": 1, "unchanged": 0, "partners_kept": 1, "invalid": 0}
    assert await _rules(engine) == {
        "partner.example": ("allow", False, ""), "spam.example": ("suspend", True, "ticket 7"),
        "loud.example": ("silence", False, ""), "flags.example": ("noop", True, "")}
    async with sessions() as session:
        imported = await audit.entries(session, action="domain_block.create")
        assert {e.target for e in imported} >= {"loud.example", "flags.example"}
        [changed] = [e for e in await audit.entries(session, action="domain_block.update")
                     if e.reason == "blocklist import"]
        assert changed.details["before"]["policy"] == "silence"
        assert changed.details["after"]["policy"] == "suspend"
        exported = blocklists.export_blocklist(await domains.rules(session))
        log_size = await session.scalar(select(func.count()).select_from(AuditLogEntry))
    assert "partner.example" not in exported
    again = await _import(engine, exported)
    assert again.summary() == {"added": 0, "changed": 0, "unchanged": 3, "partners_kept": 0, "invalid": 0}
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AuditLogEntry)) == log_size


async def test_applying_reports_progress_batch_by_batch(engine: AsyncEngine) -> None:
    text = "\n".join(f"host{n}.example" for n in range(2500))
    sessions = session_maker(engine)
    rows, invalid = blocklists.parse_blocklist(text)
    async with sessions() as session:
        plan = await blocklists.plan_import(session, rows, invalid)
    seen: list[tuple[int, int]] = []
    await blocklists.apply_import(sessions, audit.operator(), plan, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]
    assert len(await _rules(engine)) == 2500
