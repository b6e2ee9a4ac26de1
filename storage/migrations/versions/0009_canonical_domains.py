"""canonical domains: every stored domain in its one spelling; actors.moved_at for the Move cooldown

Domains used to be stored as written by whoever sent them (`Evil.Test.`, `bücher.example`,
`evil.test:443`), so a rule or a block on one spelling missed the others. From now on
`storage.domain_names.normalize_domain` gives the one spelling (IDNA A-labels, lower case, no
trailing dot, no default port), and this migration rewrites what is already stored:

- `actors.domain`, `custom_emojis.domain`, `user_domain_blocks.domain`, `domain_rules.domain`,
  `hosts.domain` are normalised in place.
- Where two rows become one after normalising:
  - `domain_rules`: the strictest rule stays (suspend over silence over allow); it gets
    `reject_media` if any of the merged rules had it, and the comments of the others are
    appended to its own. The rest are deleted.
  - `user_domain_blocks`: a member's earliest block of the domain stays, the repeats go.
  - `hosts` (delivery bookkeeping, rebuilt by deliveries): the row with the latest
    `last_success_at` stays.
  - `custom_emojis` (same shortcode and domain): the most recently updated emoji stays; the
    posts that used the others now use it.
- A stored domain that is not a valid host name at all (an underscore, a space...) cannot be
  normalised; it is left as it is (no rule can match it, and no id with such a host is accepted
  any more) and named in the log.

Ids (`actors.uri`, statuses' uris...) are not rewritten: an id is the peer's own name for an
object, and a peer that sent non-canonical ids will have them refused from now on (it must
send canonical ones, which then name new rows).

`actors.moved_at` records when the account's last Move was accepted (one per 30 days).

Downgrade drops `moved_at`; the normalised domains stay normalised (the old spellings are not
kept, and every older version reads the canonical ones correctly).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import storage.models.base
from storage.domain_names import InvalidDomain, normalize_domain

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
STRICTNESS = {"suspend": 0, "silence": 1, "allow": 2}


def upgrade() -> None:
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moved_at', storage.models.base.UTCDateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    _normalise(conn, "actors", ("id",), lambda rows: rows[0], group_by=("id",))
    _normalise(conn, "user_domain_blocks", ("id", "actor_id", "created_at"),
               lambda rows: min(rows, key=lambda r: (str(r["created_at"]), r["id"])), group_by=("actor_id",))
    _normalise(conn, "hosts", ("last_success_at",),
               lambda rows: max(rows, key=lambda r: str(r["last_success_at"] or "")), key="domain")
    _merge_rules(conn)
    _merge_emojis(conn)


def downgrade() -> None:
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.drop_column('moved_at')


def _canonical(table: str, domain: str) -> str | None:
    try:
        return normalize_domain(domain)
    except InvalidDomain as exc:
        log.warning("%s: domain %r is not a valid host name and stays as it is (%s)", table, domain, exc)
        return None


def _groups(conn: sa.Connection, table: str, columns: Sequence[str], group_by: Sequence[str]
            ) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    """Rows with a non-canonical domain, with every row they collide with, by (group, canonical)."""
    wanted = ", ".join(dict.fromkeys(["domain", *columns, *group_by]))
    rows = [dict(r._mapping) for r in conn.execute(sa.text(
        f"SELECT {wanted} FROM {table} WHERE domain IS NOT NULL"))]
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        canonical = _canonical(table, row["domain"])
        if canonical is not None:
            row["canonical"] = canonical
            groups[(*(row[c] for c in group_by), canonical)].append(row)
    return {k: v for k, v in groups.items() if any(r["domain"] != r["canonical"] for r in v)}


def _normalise(conn: sa.Connection, table: str, columns: Sequence[str],
               keep: Callable[[list[dict[str, Any]]], dict[str, Any]], *, group_by: Sequence[str] = (),
               key: str = "id") -> None:
    """Normalise `table.domain`; of rows that collide, `keep` picks the one that stays."""
    for rows in _groups(conn, table, [key, *columns], group_by).values():
        kept = keep(rows)
        for row in rows:
            if row is not kept:
                conn.execute(sa.text(f"DELETE FROM {table} WHERE {key} = :key"), {"key": row[key]})
        _rename(conn, table, key, kept)


def _rename(conn: sa.Connection, table: str, key: str, row: dict[str, Any]) -> None:
    if row["domain"] != row["canonical"]:
        conn.execute(sa.text(f"UPDATE {table} SET domain = :canonical WHERE {key} = :key"),
                     {"canonical": row["canonical"], "key": row[key]})


def _merge_rules(conn: sa.Connection) -> None:
    columns = ("policy", "reject_media", "public_comment", "private_comment")
    for rows in _groups(conn, "domain_rules", columns, ()).values():
        kept = min(rows, key=lambda r: (STRICTNESS.get(r["policy"], 3), r["domain"] != r["canonical"]))
        others = [r for r in rows if r is not kept]
        for row in others:
            conn.execute(sa.text("DELETE FROM domain_rules WHERE domain = :domain"), {"domain": row["domain"]})
        if others:
            conn.execute(sa.text(
                "UPDATE domain_rules SET reject_media = :media, public_comment = :public,"
                " private_comment = :private WHERE domain = :domain"),
                {"media": any(bool(r["reject_media"]) for r in rows), "domain": kept["domain"],
                 "public": _joined([kept, *others], "public_comment"),
                 "private": _joined([kept, *others], "private_comment")})
        _rename(conn, "domain_rules", "domain", kept)


def _joined(rows: list[dict[str, Any]], column: str) -> str:
    return " / ".join(dict.fromkeys(r[column] for r in rows if r[column]))


def _merge_emojis(conn: sa.Connection) -> None:
    for rows in _groups(conn, "custom_emojis", ("id", "updated_at"), ("shortcode",)).values():
        kept = max(rows, key=lambda r: (str(r["updated_at"]), r["id"]))
        for row in rows:
            if row is kept:
                continue
            ids = {"drop": row["id"], "keep": kept["id"]}
            conn.execute(sa.text("DELETE FROM status_emojis WHERE emoji_id = :drop AND status_id IN"
                                 " (SELECT status_id FROM status_emojis WHERE emoji_id = :keep)"), ids)
            conn.execute(sa.text("UPDATE status_emojis SET emoji_id = :keep WHERE emoji_id = :drop"), ids)
            conn.execute(sa.text("DELETE FROM custom_emojis WHERE id = :drop"), ids)
        _rename(conn, "custom_emojis", "id", kept)
