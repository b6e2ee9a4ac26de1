"""The admins' rules for incoming posts (`policy_rules`), applied by one inbox policy
(`configured_rules` in `inbox/policies.py`).

Rules are read in order of position on each Create or Update of a post whose object is
embedded (a post named by id only is fetched by the handler and not judged here). The first
rule that rejects stops the post, and the inbox item's error names it (`rule #12 (…)`), which
is how moderators see rejections (`amity policy rejections`). Marking sensitive and keeping
off the public timelines rewrite the activity; later rules still run.

Keyword patterns run with the `regex` package, each with a time budget per post
(`limits.policy_pattern_ms`), in a worker thread with the GIL released, so a catastrophic
pattern costs that thread its budget and never stalls the event loop. A pattern that runs
out of time counts as no match: the post is processed and the rule is logged, to be fixed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from federation.sanitize import plain_text
from federation.vocab import POST_TYPES, PUBLIC_ALIASES, ids, tags, type_of
from inbox.context import Incoming
from storage.models import Actor, PolicyRule, utcnow

log = logging.getLogger("amity.inbox.rules")
JUDGED = frozenset({"Create", "Update"})
MAX_TEXT_CHARS = 100_000


async def apply_rules(ctx: Incoming, activity: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """Why the first rule that rejects this activity does (None if none does), and the activity
    as the other matching rules leave it (the same object when none changes it)."""
    obj = activity.get("object")
    if type_of(activity) not in JUDGED or not isinstance(obj, dict) or type_of(obj) not in POST_TYPES:
        return None, activity
    async with ctx.services.sessions() as session:  # read here, not through actors: a hot path
        active = list((await session.scalars(
            select(PolicyRule).where(PolicyRule.enabled.is_(True))
            .order_by(PolicyRule.position, PolicyRule.id))).all())
        if not active:
            return None, activity
        first_seen = await session.scalar(select(Actor.created_at).where(Actor.uri == ctx.actor_uri))
    budget = ctx.services.config.limits.policy_pattern_ms / 1000
    hits = await asyncio.to_thread(_matching, active, obj, budget, ctx.item_id)
    now, rewritten = utcnow(), activity
    for rule in active:
        if rule.kind == "new_account":
            hit = first_seen is None or now - first_seen < timedelta(hours=int(rule.value))
        else:
            hit = rule.id in hits
        if not hit:
            continue
        if rule.action == "reject":
            return f"rule {rule.describe()}", activity
        rewritten = _rewritten(rewritten, rule.action)
    return None, rewritten


def _matching(active: Sequence[PolicyRule], obj: dict[str, Any], budget: float, item_id: int) -> set[int]:
    """Ids of the keyword, hashtag and mention rules this post matches (run in a worker thread)."""
    text = _text(obj)
    hashtags = {str(tag.get("name", "")).removeprefix("#").lower() for tag in tags(obj)
                if tag.get("type") == "Hashtag"}
    mentions = sum(1 for tag in tags(obj) if tag.get("type") == "Mention")
    checks = {"hashtag": lambda rule: rule.value in hashtags,
              "max_mentions": lambda rule: mentions > int(rule.value),
              "keyword": lambda rule: _search(rule, text, budget, item_id)}
    return {rule.id for rule in active if rule.kind in checks and checks[rule.kind](rule)}


def _search(rule: PolicyRule, text: str, budget: float, item_id: int) -> bool:
    try:
        return rule.pattern().search(text, timeout=budget, concurrent=True) is not None
    except TimeoutError:
        log.warning("inbox.rule_timed_out", extra={
            "rule_id": rule.id, "item_id": item_id, "budget_seconds": budget,
            "advice": f"policy rule #{rule.id}'s pattern ran out of time and counted as no match: "
                      "simplify it (avoid nested repetition such as (a+)+) or remove it "
                      f"(amity policy remove {rule.id})"})
        return False


def _text(obj: dict[str, Any]) -> str:
    """The words of a post: its content warning, name and content in every language."""
    parts: list[Any] = [obj.get("summary"), obj.get("name"), obj.get("content")]
    for key in ("contentMap", "summaryMap"):
        if isinstance(obj.get(key), dict):
            parts.extend(obj[key].values())
    return "\n".join(plain_text(part, limit=MAX_TEXT_CHARS) for part in parts if isinstance(part, str))


def _rewritten(activity: dict[str, Any], action: str) -> dict[str, Any]:
    obj = dict(activity["object"])
    if action == "sensitive":
        obj["sensitive"] = True
        return {**activity, "object": obj}
    changed = {**activity, "object": obj}
    for doc in (changed, obj):  # public → unlisted: Public moves from `to` to `cc`
        to = ids(doc.get("to"))
        if PUBLIC_ALIASES & set(to):
            doc["to"] = [uri for uri in to if uri not in PUBLIC_ALIASES]
            doc["cc"] = [*ids(doc.get("cc")), *(uri for uri in to if uri in PUBLIC_ALIASES)]
    return changed
