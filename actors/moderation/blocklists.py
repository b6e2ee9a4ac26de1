"""Blocklists in Mastodon's CSV format: export the node's domain blocks, import someone's.

The format (Mastodon's export, which other servers' lists follow):

    #domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
    spam.example,suspend,true,true,Spam waves,false

A file without the header is read as one domain per line (first column), suspended, as
Mastodon reads it. Importing is planned first (`plan_import`: what would be added or changed,
what is already so, which lines are invalid and why) so a moderator can look at the
difference before applying it (`--dry-run`); an import with invalid lines is refused as a whole
unless they are skipped on purpose. Partners (`allow` rules) are never overwritten by an
import: those lines are reported and left alone. Applying writes rules and their audit entries
in batches, each batch one transaction, reporting progress; exporting what was imported and
importing it again changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actors.moderation.audit import Staff, record_many, require
from actors.moderation.domain_purge import start_purges
from actors.moderation.domains import BLOCK_POLICIES, MAX_COMMENT_CHARS, RuleChange, state_of
from storage.domain_names import InvalidDomain, normalize_domain
from storage.errors import Invalid
from storage.models import DomainRule, utcnow
from storage.models.base import new_id

HEADER = ("#domain", "#severity", "#reject_media", "#reject_reports", "#public_comment", "#obfuscate")
BATCH = 1000  # rules per transaction when applying
MAX_LINES = 100_000
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}
_RULES: Table = DomainRule.__table__  # type: ignore[assignment]  # Core statements: bulk, no ORM


@dataclass(frozen=True)
class BlocklistRow:
    line: int
    domain: str
    change: RuleChange


@dataclass
class ImportPlan:
    added: list[BlocklistRow] = field(default_factory=list)
    changed: list[tuple[BlocklistRow, dict[str, Any]]] = field(default_factory=list)  # with the rule before
    unchanged: int = 0
    partners: list[BlocklistRow] = field(default_factory=list)  # allow rules an import leaves alone
    invalid: list[tuple[int, str]] = field(default_factory=list)  # (line, why)

    def summary(self) -> dict[str, int]:
        return {"added": len(self.added), "changed": len(self.changed), "unchanged": self.unchanged,
                "partners_kept": len(self.partners), "invalid": len(self.invalid)}


def _flag(value: str, name: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Invalid(f"{name} must be true or false, not {value!r}")


def _row(line: int, cells: dict[str, str]) -> BlocklistRow:
    domain = normalize_domain(cells.get("#domain", "").strip())
    severity = (cells.get("#severity") or "suspend").strip().lower()
    if severity not in BLOCK_POLICIES:
        raise Invalid(f"severity must be one of {', '.join(BLOCK_POLICIES)}, not {severity!r}")
    comment = (cells.get("#public_comment") or "").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise Invalid(f"the public comment is longer than {MAX_COMMENT_CHARS} characters")
    return BlocklistRow(line, domain, RuleChange(
        policy=severity, reject_media=_flag(cells.get("#reject_media", ""), "reject_media"),
        reject_reports=_flag(cells.get("#reject_reports", ""), "reject_reports"),
        obfuscate=_flag(cells.get("#obfuscate", ""), "obfuscate"), public_comment=comment))


def parse_blocklist(text: str) -> tuple[list[BlocklistRow], list[tuple[int, str]]]:
    """The rows of a blocklist, and the lines that are not valid (line number, why). A domain
    listed twice keeps its last line."""
    lines = list(csv.reader(io.StringIO(text)))
    if len(lines) > MAX_LINES:
        raise Invalid(f"a blocklist has at most {MAX_LINES:,} lines; this one has {len(lines):,}")
    header = [cell.strip().lower() for cell in lines[0]] if lines else []
    has_header = bool(header) and header[0] == "#domain"
    names = header if has_header else ["#domain"]
    rows: dict[str, BlocklistRow] = {}
    invalid: list[tuple[int, str]] = []
    for number, cells in enumerate(lines[1:] if has_header else lines, start=2 if has_header else 1):
        if not cells or not "".join(cells).strip() or cells[0].lstrip().startswith("#"):
            continue  # blank lines and comments
        try:
            row = _row(number, dict(zip(names, cells, strict=False)))
        except (Invalid, InvalidDomain) as exc:
            invalid.append((number, str(exc)))
            continue
        rows[row.domain] = row
    return list(rows.values()), invalid


async def plan_import(session: AsyncSession, rows: Sequence[BlocklistRow],
                      invalid: Sequence[tuple[int, str]] = ()) -> ImportPlan:
    """What importing `rows` would do, against the rules as they are."""
    plan = ImportPlan(invalid=list(invalid))
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        existing = {rule.domain: rule for rule in (await session.scalars(
            select(DomainRule).where(DomainRule.domain.in_([r.domain for r in chunk])))).all()}
        for row in chunk:
            rule = existing.get(row.domain)
            if rule is None:
                plan.added.append(row)
            elif rule.policy == "allow":
                plan.partners.append(row)
            elif _imported_state(rule) == _imported_state(row.change):
                plan.unchanged += 1
            else:
                plan.changed.append((row, state_of(rule)))
    return plan


def _imported_state(rule: DomainRule | RuleChange) -> tuple[Any, ...]:
    """What a blocklist line says about a rule (the private comment is not in the file)."""
    return (rule.policy, rule.reject_media, rule.reject_reports, rule.obfuscate, rule.public_comment)


Progress = Callable[[int, int], None]


async def apply_import(sessions: async_sessionmaker[AsyncSession], staff: Staff, plan: ImportPlan, *,
                       progress: Progress | None = None) -> dict[str, int]:
    """Write the plan's additions and changes, BATCH rules per transaction, each with its audit
    entry; `progress(done, total)` after each batch. Refused if the plan has invalid lines."""
    require(staff, "manage_federation")
    if plan.invalid:
        raise Invalid(f"{len(plan.invalid)} invalid lines (the first: line {plan.invalid[0][0]}, "
                      f"{plan.invalid[0][1]}): fix them, or skip them on purpose")
    work: list[tuple[BlocklistRow, dict[str, Any] | None]] = [
        *((row, None) for row in plan.added), *plan.changed]
    for start in range(0, len(work), BATCH):
        async with sessions() as session, session.begin():
            await _apply_batch(session, staff, work[start:start + BATCH])
        if progress is not None:
            progress(min(start + BATCH, len(work)), len(work))
    return plan.summary()


async def _apply_batch(session: AsyncSession, staff: Staff,
                       batch: Sequence[tuple[BlocklistRow, dict[str, Any] | None]]) -> None:
    now = utcnow()
    columns = [(row, before, _columns(row.change)) for row, before in batch]
    new = [{"domain": row.domain, "id": new_id(), "created_at": now, "private_comment": "", **values}
           for row, before, values in columns if before is None]
    changed = [{"key": row.domain, **values} for row, before, values in columns if before is not None]
    if new:
        await session.execute(insert(_RULES), new)
    if changed:
        bound: dict[str, Any] = {name: bindparam(name) for name in _columns(RuleChange(policy="noop"))}
        await session.execute(update(_RULES).where(_RULES.c.domain == bindparam("key")).values(**bound),
                              changed)
    await start_purges(session, [row.domain for row, before, values in columns
                                 if values["policy"] == "suspend"
                                 and (before is None or before["policy"] != "suspend")])
    await record_many(session, staff, [
        {"action": f"domain_block.{'create' if before is None else 'update'}", "target_type": "domain",
         "target": row.domain, "reason": "blocklist import",
         "details": {"before": before, "after": {**(before or {"private_comment": ""}), **values}}}
        for row, before, values in columns])


def _columns(change: RuleChange) -> dict[str, Any]:
    """The columns a blocklist line sets (not the private comment: an import keeps what staff
    wrote). Spelled out: `dataclasses.asdict` deep-copies, a measurable cost per rule."""
    return {"policy": change.policy, "reject_media": change.reject_media,
            "reject_reports": change.reject_reports, "obfuscate": change.obfuscate,
            "public_comment": change.public_comment}


def export_blocklist(rules: Iterable[DomainRule]) -> str:
    """The node's blocks (not its partners) in Mastodon's CSV format, by domain."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for rule in sorted((r for r in rules if r.policy in BLOCK_POLICIES), key=lambda r: r.domain):
        writer.writerow([rule.domain, rule.policy, _bool(rule.reject_media), _bool(rule.reject_reports),
                         rule.public_comment, _bool(rule.obfuscate)])
    return out.getvalue()


def _bool(value: bool) -> str:
    return "true" if value else "false"
