"""Which handler takes an activity: a table keyed by (activity type, object type).

The object type is the embedded object's `type`, or None when the object is given by id
only; `ANY` matches whatever the object is. Activities with no entry are accepted and
ignored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from federation.vocab import ACTOR_TYPES, POST_TYPES, type_of
from inbox.context import Incoming
from inbox.handlers import (
    accept,
    announce,
    block,
    create,
    delete,
    flag,
    follow,
    like,
    move,
    reject,
    undo,
    update,
)

Handler = Callable[[Incoming, dict[str, Any]], Awaitable[None]]
ANY = "*"

TABLE: dict[tuple[str, str | None], Handler] = {
    ("Follow", ANY): follow.handle,
    ("Accept", ANY): accept.handle,
    ("Reject", ANY): reject.handle,
    ("Undo", "Follow"): undo.undo_follow,
    ("Undo", "Like"): undo.undo_like,
    ("Undo", "Announce"): undo.undo_announce,
    ("Undo", "Block"): undo.undo_block,
    ("Undo", None): undo.undo_by_id,
    ("Create", None): create.handle,  # fetched from its origin
    **{("Create", kind): create.handle for kind in POST_TYPES},
    ("Update", None): update.update_status,
    **{("Update", kind): update.update_status for kind in POST_TYPES},
    **{("Update", kind): update.update_actor for kind in ACTOR_TYPES},
    ("Delete", ANY): delete.handle,
    ("Announce", ANY): announce.handle,
    ("Like", ANY): like.handle,
    ("Block", ANY): block.handle,
    ("Flag", ANY): flag.handle,
    ("Move", ANY): move.handle,
}


def object_type(activity: dict[str, Any]) -> str | None:
    obj = activity.get("object")
    if isinstance(obj, list):
        obj = obj[0] if len(obj) == 1 else None
    return type_of(obj) if isinstance(obj, dict) else None


def handler_for(activity: dict[str, Any]) -> Handler | None:
    kind = type_of(activity)
    if kind is None:
        return None
    return TABLE.get((kind, object_type(activity))) or TABLE.get((kind, ANY))
