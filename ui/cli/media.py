"""Media commands: `amity media prune --older-than DAYS`."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from actors.media.remote_cache import PruneResult, prune
from storage.blobs import BlobStore
from storage.db import session_maker
from ui.runtime import CliError, load, open_database


def add_commands(commands: Any) -> None:
    parser = commands.add_parser("media", help="manage stored media files",
                                 description="Media files in the media directory.")
    sub = parser.add_subparsers(dest="media_command", metavar="ACTION", required=True)
    prune_ = sub.add_parser(
        "prune", help="delete cached copies of remote media",
        description="Delete the cached copies of remote media older than DAYS (their posts keep the "
        "attachment details and the remote address, so they can be fetched again), remote "
        "attachments that no post holds any more, and uploads by local accounts older than DAYS "
        "that no post holds (never posted, or their post was deleted). Posted uploads are kept.")
    prune_.add_argument("--older-than", type=int, required=True, metavar="DAYS",
                        help="cached more than this many days ago (0: every cached copy)")
    prune_.set_defaults(run=media_prune)


async def media_prune(args: argparse.Namespace) -> int:
    if args.older_than < 0:
        raise CliError("--older-than must be 0 or more days", exit_code=2)
    config = load(args.config)
    blobs = BlobStore(config.media_dir)
    async with open_database(config) as engine:
        result = await prune(session_maker(engine), blobs, older_than=timedelta(days=args.older_than),
                             progress=_print_progress)
    print(f"done: {_summary(result)}")
    return 0


def _print_progress(result: PruneResult, total: int) -> None:
    done = result.attachments + result.orphans
    print(f"{done}/{total} attachments: {_summary(result)}", flush=True)


def _summary(result: PruneResult) -> str:
    return (f"{result.files} files deleted ({result.bytes / 1_048_576:.1f} MiB of originals), "
            f"{result.attachments} cached copies dropped, {result.orphans} unused attachments removed")
