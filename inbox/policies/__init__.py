"""The moderation pipeline: each policy looks at an activity before its handler runs.

A policy is `async (ctx, activity) -> Accept | Reject(reason) | Rewrite(activity)`; they run
in the order of `POLICIES`. The first Reject stops the activity (the item is marked
processed with the reason); a Rewrite hands the changed activity to the next policy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from inbox.context import Incoming


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
