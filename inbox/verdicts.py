"""What an inbox policy answers (`inbox/policies.py`): accept, reject with a reason, or rewrite."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
