"""`amity domain list|set|remove` (`ui.cli.moderation`): the operator's rules about other
servers, recorded in the audit log as the operator or as a named staff account."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.config import load_config
from storage.db import create_engine, session_maker
from storage.models import AuditLogEntry, DomainRule, Host, utcnow
from tests.ui.cli.run import amity, one_line_error
from ui.cli import main


async def _rows(config_path: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    engine = create_engine(load_config(config_path).database_url)
    try:
        async with session_maker(engine)() as session:
            rules = [(r.domain, r.policy) for r in (await session.scalars(select(DomainRule))).all()]
            log = [(e.actor_label, e.action, e.target) for e in
                   (await session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id))).all()]
            return rules, log
    finally:
        await engine.dispose()


async def _audit_log(config_path: Path) -> list[AuditLogEntry]:
    engine = create_engine(load_config(config_path).database_url)
    try:
        async with session_maker(engine)() as session:
            return list((await session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id))).all())
    finally:
        await engine.dispose()


def audit_log(config_path: Path) -> list[AuditLogEntry]:
    return asyncio.run(_audit_log(config_path))


def rows(config_path: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    return asyncio.run(_rows(config_path))


def test_set_list_and_remove_are_recorded_as_the_operator(node: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ["--config", str(node)]
    assert main([*cfg, "domain", "set", "Spam.Example", "--policy", "suspend", "--reject-reports",
                 "--public-comment", "spam waves"]) == 0
    assert main([*cfg, "domain", "set", "partner.example", "--policy", "allow"]) == 0
    capsys.readouterr()
    assert main([*cfg, "domain", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[:3] for line in listed[1:]] == [
        ["partner.example", "allow", "-"], ["spam.example", "suspend", "reject_reports"]]
    assert main([*cfg, "domain", "remove", "spam.example"]) == 0
    rules, log = rows(node)
    assert rules == [("partner.example", "allow")]
    assert [action for _, action, _ in log] == ["domain_block.create", "domain_allow.create",
                                               "domain_block.destroy"]
    assert all(label.startswith("cli:") for label, _, _ in log)


def test_as_names_a_staff_account_that_must_have_the_permission(node: Path, tmp_path: Path) -> None:
    cfg = ["--config", str(node)]
    assert main([*cfg, "user", "create", "mo", "--email", "mo@example.org", "--password", "mo password",
                 "--role", "moderator"]) == 0
    assert main([*cfg, "user", "create", "ada", "--email", "ada@example.org", "--password", "ada password",
                 "--role", "admin"]) == 0
    refused = amity("--config", str(node), "domain", "set", "spam.example", "--policy", "silence",
                    "--as", "mo", cwd=tmp_path)
    assert "needs the manage_federation permission" in one_line_error(refused)
    assert rows(node) == ([], [])
    assert main([*cfg, "domain", "set", "spam.example", "--policy", "silence", "--as", "ada"]) == 0
    assert rows(node)[1] == [("@ada", "domain_block.create", "spam.example")]


@pytest.mark.parametrize("args", [
    ["set", "not a domain", "--policy", "suspend"],
    ["set", "partner.example", "--policy", "allow", "--reject-media"],
    ["remove", "nobody.example"],
    ["set", "spam.example", "--policy", "suspend", "--as", "ghost"]])
def test_bad_input_is_one_line_and_changes_nothing(node: Path, tmp_path: Path, args: list[str]) -> None:
    result = amity("--config", str(node), "domain", *args, cwd=tmp_path)
    assert one_line_error(result)
    assert rows(node) == ([], [])


def test_a_10000_line_import_shows_progress_and_its_export_imports_as_no_change(
        node: Path, tmp_path: Path) -> None:
    blocklist = tmp_path / "list.csv"
    header = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
    blocklist.write_text(header + "".join(
        f"host{n}.example,{'suspend' if n % 3 else 'silence'},{'true' if n % 2 else 'false'},false,"
        f"\"reason {n}, noted\",false\n" for n in range(10_000)))
    dry = amity("--config", str(node), "domain", "import", str(blocklist), "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "10,000 added" in dry.stdout and "dry run: nothing was changed" in dry.stdout
    assert rows(node) == ([], [])
    result = amity("--config", str(node), "domain", "import", str(blocklist), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    progress = [line for line in result.stderr.splitlines() if line.startswith("imported ")]
    assert progress[0] == "imported 1,000 of 10,000 rules"
    assert progress[-1] == "imported 10,000 of 10,000 rules"
    assert len(rows(node)[0]) == 10_000 and len(rows(node)[1]) == 10_000
    exported = tmp_path / "export.csv"
    assert amity("--config", str(node), "domain", "export", "-o", str(exported), cwd=tmp_path).returncode == 0
    again = amity("--config", str(node), "domain", "import", str(exported), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "0 added, 0 changed, 10,000 unchanged" in again.stdout
    assert len(rows(node)[1]) == 10_000  # no new audit entries


def test_an_import_with_invalid_lines_names_them_and_changes_nothing(node: Path, tmp_path: Path) -> None:
    blocklist = tmp_path / "list.csv"
    blocklist.write_text("good.example\nnot a domain\nalso good.example\n")
    result = amity("--config", str(node), "domain", "import", str(blocklist), cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "line 2:" in result.stderr and "line 3:" in result.stderr
    assert "nothing was imported" in result.stderr.splitlines()[-1]
    assert rows(node) == ([], [])
    skipped = amity("--config", str(node), "domain", "import", str(blocklist), "--skip-invalid", cwd=tmp_path)
    assert skipped.returncode == 0, skipped.stderr
    assert rows(node)[0] == [("good.example", "suspend")]


def test_audit_list_shows_what_was_done_newest_first(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ["--config", str(node)]
    assert main([*cfg, "domain", "set", "spam.example", "--policy", "silence",
                 "--public-comment", "spam"]) == 0
    assert main([*cfg, "domain", "set", "spam.example", "--policy", "suspend"]) == 0
    capsys.readouterr()
    assert main([*cfg, "audit", "list", "--target", "spam.example", "--details"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("    ")]
    assert [line.split()[3] for line in lines] == ["domain_block.update", "domain_block.create"]
    assert all(line.split()[2].startswith("cli:") for line in lines)
    assert main([*cfg, "audit", "list", "--action", "nothing.like.this"]) == 0
    assert "no such entries" in capsys.readouterr().out


def test_hosts_list_show_and_retry(node: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_add_failing_host(node))
    cfg = ["--config", str(node)]
    assert main([*cfg, "hosts", "list", "--failing"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[:3] for line in listed[1:]] == [["down.example", "failing", "3"]]
    assert main([*cfg, "hosts", "show", "down.example"]) == 0
    assert "503 Service Unavailable" in capsys.readouterr().out
    assert main([*cfg, "hosts", "retry", "down.example"]) == 0
    assert main([*cfg, "hosts", "show", "down.example"]) == 0
    assert "state:" in (shown := capsys.readouterr().out) and " ok" in shown
    assert [e.action for e in audit_log(node)] == ["host.retry"]
    missing = amity("--config", str(node), "hosts", "show", "nowhere.example", cwd=tmp_path)
    assert "no deliveries were ever made to nowhere.example" in one_line_error(missing)


async def _add_failing_host(config_path: Path) -> None:
    engine = create_engine(load_config(config_path).database_url)
    try:
        async with session_maker(engine)() as session, session.begin():
            session.add(Host(domain="down.example", consecutive_failures=3, failing_since=utcnow(),
                             last_error="503 Service Unavailable", last_error_at=utcnow()))
    finally:
        await engine.dispose()
