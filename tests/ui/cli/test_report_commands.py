"""`amity report list|show|assign|note|resolve|reopen` (`ui.cli.reports`): the moderator's desk at
the command line, every change in the audit log, refused without the permission."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from actors.accounts.local_users import create_local_user
from storage.config import load_config
from storage.db import create_engine, session_maker
from storage.models import AuditLogEntry, Report, ReportNote, Status
from tests.ui.cli.run import amity, one_line_error
from ui.cli import main


async def _seed(config_path: Path) -> dict[str, Any]:
    """ana reported bob's post; mo is a moderator, mia a member."""
    config = load_config(config_path)
    engine = create_engine(config.database_url)
    try:
        async with session_maker(engine)() as session, session.begin():
            actors = {}
            for name, role in (("ana", "member"), ("bob", "member"), ("mo", "moderator"), ("mia", "member")):
                user = await create_local_user(session, base_url=config.base_url, username=name,
                                               email=f"{name}@example.org", password="long enough", role=role)
                actors[name] = user.actor_id
            post = Status(uri=f"{config.base_url}/users/bob/statuses/1", actor_id=actors["bob"], local=True)
            session.add(post)
            await session.flush()
            report = Report(reporter_id=actors["ana"], target_id=actors["bob"], status_ids=[post.id],
                            comment="spam waves", category="spam")
            session.add(report)
            await session.flush()
            return {"report": report.id, "post": post.id, **actors}
    finally:
        await engine.dispose()


async def _state(config_path: Path) -> tuple[Report, list[ReportNote], list[AuditLogEntry]]:
    engine = create_engine(load_config(config_path).database_url)
    try:
        async with session_maker(engine)() as session:
            report = (await session.scalars(select(Report))).one()
            notes = list((await session.scalars(select(ReportNote))).all())
            log = list((await session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id))).all())
            return report, notes, log
    finally:
        await engine.dispose()


def state(config_path: Path) -> tuple[Report, list[ReportNote], list[AuditLogEntry]]:
    return asyncio.run(_state(config_path))


@pytest.fixture
def seeded(node: Path) -> dict[str, Any]:
    return asyncio.run(_seed(node))


def test_a_moderators_day_list_show_assign_note_resolve_reopen(node: Path, seeded: dict[str, Any],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    cfg, rid = ["--config", str(node)], str(seeded["report"])
    assert main([*cfg, "report", "list"]) == 0
    (_header, row) = capsys.readouterr().out.splitlines()
    assert row.split()[:5] == [rid, "open", "spam", "@bob", "@ana"]
    assert main([*cfg, "report", "assign", rid, "--as", "mo"]) == 0
    assert main([*cfg, "report", "note", rid, "checked: the same link 40 times", "--as", "mo"]) == 0
    assert main([*cfg, "report", "resolve", rid, "--as", "mo"]) == 0
    capsys.readouterr()
    assert main([*cfg, "report", "show", rid]) == 0
    shown = capsys.readouterr().out
    assert "target:   @bob" in shown and "assigned: @mo" in shown
    assert "resolved:" in shown and "by @mo" in shown
    assert f"post {seeded['post']}" in shown and "note by @mo" in shown and "40 times" in shown
    assert main([*cfg, "report", "list"]) == 0
    assert capsys.readouterr().out.strip() == "(no open reports)"
    assert main([*cfg, "report", "reopen", rid]) == 0  # as the operator
    report, notes, log = state(node)
    assert (report.resolved_at, report.resolved_by_id, report.assigned_id) == (None, None, seeded["mo"])
    assert [n.author_label for n in notes] == ["@mo"]
    assert [(e.action, e.actor_label, e.target) for e in log] == [
        ("report.assign", "@mo", rid), ("report_note.create", "@mo", rid), ("report.resolve", "@mo", rid),
        ("report.reopen", log[-1].actor_label, rid)]
    assert log[-1].actor_label.startswith("cli:") and log[-1].actor_id is None


def test_assigning_to_a_member_or_as_a_member_is_refused_and_nothing_changes(node: Path,
                                                                             seeded: dict[str, Any]) -> None:
    rid = str(seeded["report"])
    refused = amity("--config", str(node), "report", "assign", rid, "mia", cwd=node.parent)
    assert "does not handle reports" in one_line_error(refused)
    as_member = amity("--config", str(node), "report", "resolve", rid, "--as", "mia", cwd=node.parent)
    assert "manage_reports" in one_line_error(as_member)
    note = amity("--config", str(node), "report", "note", rid, "x", "--as", "mia", cwd=node.parent)
    assert "manage_reports" in one_line_error(note)
    report, notes, log = state(node)
    assert (report.resolved_at, report.assigned_id, notes, log) == (None, None, [], [])


def test_an_unknown_report_is_one_line(node: Path, seeded: dict[str, Any]) -> None:
    result = amity("--config", str(node), "report", "show", "12345", cwd=node.parent)
    assert "no report 12345" in one_line_error(result)


def test_unassigning(node: Path, seeded: dict[str, Any]) -> None:
    cfg, rid = ["--config", str(node)], str(seeded["report"])
    assert main([*cfg, "report", "assign", rid, "mo"]) == 0
    assert main([*cfg, "report", "assign", rid, "--nobody"]) == 0
    report, _, log = state(node)
    assert report.assigned_id is None and [e.action for e in log] == ["report.assign", "report.unassign"]
