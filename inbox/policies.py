"""Which incoming activities are accepted: the moderation pipeline, where each policy looks
at an activity before its handler runs, and the rule for unsolicited posts.

A policy is `async (ctx, activity) -> Accept | Reject(reason) | Rewrite(activity)`; they run
in the order of `POLICIES`. The first Reject stops the activity (the item is marked
processed with the reason); a Rewrite hands the changed activity to the next policy.

The policies, in the order of `POLICIES`:

- refused domains: suspended, or not a partner, since the activity was queued;
- suspended remote accounts (`actors.suspended_at`): nothing they send is accepted. Checked
  at the inbox before the signature (a database read, no network) against the claimed actor
  and the key's known owner (`suspension_reason`), and again by the policy when a queued item
  is processed (it may have been queued before the suspension);
- undone early: an activity its actor already undid (the Undo overtook it on the way);
- configured rules: the admins' rules for incoming posts (`amity policy`), below.

*Configured rules* (`policy_rules`, kept by `actors/moderation/policy_rules.py`) are read in
order of position on each Create or Update of a post whose object is embedded (a post named by
id only is fetched by the handler and not judged here). The first rule that rejects stops the
post, and the inbox item's error names it (`rule #12 (…)`), which is how moderators see
rejections (`amity policy rejections`). Marking sensitive and keeping off the public timelines
rewrite the activity; later rules still run.

Keyword patterns run with the `regex` package, each with a time budget per post
(`limits.policy_pattern_ms`), in a worker thread with the GIL released, so a catastrophic
pattern costs that thread its budget and never stalls the event loop. A pattern that runs
out of time counts as no match: the post is processed and the rule is logged, to be fixed.

*Solicited*: before any of that, at the inbox itself, `is_solicited` decides whether a post
or boost is wanted here at all, by the one rule, as Mastodon's. A post (Create) is kept when
a local account follows (or asked to follow) its author, when it addresses or mentions a
local account, or when it replies to a local post or to a stored post whose author someone
here follows. A boost (Announce) is kept when its booster is followed, or when it boosts a
local post. Anything else is dropped at the inbox, after the signature and before anything is
stored or fetched: strangers cannot fill the database and the public timelines. It costs a
few indexed reads and no network.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from federation.sanitize import plain_text
from federation.urls import domain_of, is_local
from federation.vocab import POST_TYPES, PUBLIC_ALIASES, addressed, id_of, ids, tags, type_of
from inbox.context import Incoming
from inbox.undone import UNDOABLE, was_undone
from storage.models import Actor, Follow, PolicyRule, Status, utcnow
from storage.queries import federation_refused, policy_rules_in_order


@dataclass(frozen=True)
class Accept:
    pass


@dataclass(frozen=True)
class Reject:
    reason: str


@dataclass(frozen=True)
class Rewrite:
    activity: dict[str, Any]


Verdict = Accept | Reject | Rewrite
Policy = Callable[[Incoming, dict[str, Any]], Awaitable[Verdict]]


async def run_policies(policies: Sequence[Policy], ctx: Incoming,
                       activity: dict[str, Any]) -> dict[str, Any] | Reject:
    """The activity as the policies leave it, or the first Reject."""
    for policy in policies:
        verdict = await policy(ctx, activity)
        if isinstance(verdict, Reject):
            return verdict
        if isinstance(verdict, Rewrite):
            activity = verdict.activity
    return activity


async def suspension_reason(session: AsyncSession, *uris: str, key_id: str | None = None) -> str | None:
    """Why these actors (or the owner of `key_id`) may not send anything; None if they may."""
    known = [uri for uri in uris if uri]
    conditions: list[ColumnElement[bool]] = [Actor.uri.in_(known)] if known else []
    if key_id:
        conditions.append(Actor.key_id == key_id)
    if not conditions:
        return None
    found = await session.scalar(select(Actor.uri).where(
        or_(*conditions), Actor.suspended_at.is_not(None), Actor.domain.is_not(None)).limit(1))
    return None if found is None else f"the account {found} is suspended on this server"


async def suspended_accounts(ctx: Incoming, activity: dict[str, Any]) -> Verdict:
    async with ctx.services.sessions() as session:
        reason = await suspension_reason(session, ctx.actor_uri, ctx.signer_uri)
    return Reject(reason) if reason else Accept()


async def refused_domains(ctx: Incoming, activity: dict[str, Any]) -> Verdict:
    async with ctx.services.sessions() as session:
        for uri in dict.fromkeys((ctx.actor_uri, ctx.signer_uri)):
            reason = await federation_refused(session, domain_of(uri))
            if reason:
                return Reject(reason)
    return Accept()


async def undone_early(ctx: Incoming, activity: dict[str, Any]) -> Verdict:
    if type_of(activity) not in UNDOABLE:
        return Accept()
    async with ctx.services.sessions() as session:
        if await was_undone(session, ctx.activity_id, ctx.actor_uri):
            return Reject("its actor undid it before it arrived")
    return Accept()


log = logging.getLogger("amity.inbox.rules")  # a pattern out of time is logged here
JUDGED = frozenset({"Create", "Update"})
MAX_TEXT_CHARS = 100_000


async def apply_rules(ctx: Incoming, activity: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """Why the first rule that rejects this activity does (None if none does), and the activity
    as the other matching rules leave it (the same object when none changes it)."""
    obj = activity.get("object")
    if type_of(activity) not in JUDGED or not isinstance(obj, dict) or type_of(obj) not in POST_TYPES:
        return None, activity
    async with ctx.services.sessions() as session:
        active = list(await policy_rules_in_order(session, enabled_only=True))
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


async def configured_rules(ctx: Incoming, activity: dict[str, Any]) -> Verdict:
    """The admins' rules for incoming posts (see *Configured rules* above)."""
    reason, changed = await apply_rules(ctx, activity)
    if reason is not None:
        return Reject(reason)
    return Accept() if changed is activity else Rewrite(changed)


POLICIES: tuple[Policy, ...] = (refused_domains, suspended_accounts, undone_early, configured_rules)


CHECKED = frozenset({"Create", "Announce"})
MAX_CHECKED_URIS = 100


async def is_solicited(session: AsyncSession, domain: str, activity: dict[str, Any]) -> bool:
    """Is this Create or Announce wanted here (`domain`: this server's)? Other kinds always are."""
    kind, actor_uri = activity.get("type"), id_of(activity.get("actor"))
    if kind not in CHECKED or not actor_uri:
        return True
    if await _followed(session, actor_uri):
        return True
    obj = activity.get("object")
    if kind == "Announce":
        boosted = id_of(obj)
        return boosted is not None and is_local(boosted, domain)
    if not isinstance(obj, dict):
        return False  # named by id only: knowing more would take a fetch
    return await _addresses_local(session, domain, activity, obj) or await _replies_here(session, domain, obj)


async def _followed(session: AsyncSession, actor_uri: str) -> bool:
    """Does a local account follow `actor_uri`, or ask to?"""
    followee, follower = aliased(Actor), aliased(Actor)
    return await session.scalar(
        select(Follow.id).join(followee, followee.id == Follow.followee_id)
        .join(follower, follower.id == Follow.follower_id)
        .where(followee.uri == actor_uri, follower.domain.is_(None)).limit(1)) is not None


async def _addresses_local(session: AsyncSession, domain: str, activity: dict[str, Any],
                           obj: dict[str, Any]) -> bool:
    named = addressed(activity) | addressed(obj)
    named.update(uri for tag in tags(obj) if tag.get("type") == "Mention" and (uri := id_of(tag.get("href"))))
    local = [uri for uri in named if is_local(uri, domain)][:MAX_CHECKED_URIS]
    if not local:
        return False
    return bool(await session.scalar(select(exists().where(Actor.uri.in_(local), Actor.domain.is_(None)))))


async def _replies_here(session: AsyncSession, domain: str, obj: dict[str, Any]) -> bool:
    parent_uri = id_of(obj.get("inReplyTo"))
    if not parent_uri:
        return False
    parent = await session.scalar(select(Status).where(Status.uri == parent_uri))
    if parent is None:
        return False
    if parent.local or is_local(parent_uri, domain):
        return True
    parent_author = await session.scalar(select(Actor.uri).where(Actor.id == parent.actor_id))
    return parent_author is not None and await _followed(session, parent_author)
