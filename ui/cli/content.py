"""Content commands: the node's custom emoji (`amity emoji add|list|remove`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from actors.posts import emoji
from storage.blobs import BlobStore
from storage.db import session_maker
from ui.runtime import CliError, load, open_database, write_session

MAX_READ = emoji.MAX_EMOJI_BYTES + 1  # read one byte more than allowed, to say it is too big


def add_commands(commands: Any) -> None:
    parser = commands.add_parser("emoji", help="manage the node's custom emoji",
                                 description="Custom emoji members use as :name: in posts.")
    sub = parser.add_subparsers(dest="emoji_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="add an emoji from a PNG, GIF or WebP file")
    add.add_argument("name", help="the shortcode: letters, digits and underscores, at least 2")
    add.add_argument("file", help=f"the image (at most {emoji.MAX_EMOJI_BYTES // 1024} KiB and "
                     f"{emoji.MAX_EMOJI_SIDE}x{emoji.MAX_EMOJI_SIDE} pixels)")
    add.add_argument("--category", help="a group in the emoji picker")
    add.set_defaults(run=emoji_add)
    sub.add_parser("list", help="list the node's emoji").set_defaults(run=emoji_list)
    remove = sub.add_parser("remove", help="remove an emoji (posts keep the text :name:)")
    remove.add_argument("name")
    remove.set_defaults(run=emoji_remove)


def _read(path: str) -> bytes:
    try:
        with Path(path).open("rb") as file:
            return file.read(MAX_READ)
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


async def emoji_add(args: argparse.Namespace) -> int:
    config = load(args.config)
    emoji.check_shortcode(args.name)  # before touching the file or the database
    data = _read(args.file)
    async with write_session(config) as session:
        added = await emoji.add_local(session, BlobStore(config.media_dir), base_url=config.base_url,
                                      shortcode=args.name, data=data, category=args.category)
    print(f"added :{added.shortcode}: ({added.content_type}, {len(data)} bytes) at {added.image_url}")
    return 0


async def emoji_list(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with open_database(config) as engine, session_maker(engine)() as session:
        rows = await emoji.list_local(session)
    if not rows:
        print("(no custom emoji: add one with `amity emoji add NAME FILE`)")
        return 0
    print(f"{'NAME':24} {'CATEGORY':16} {'TYPE':11} URL")
    for row in rows:
        name = f":{row.shortcode}:"
        print(f"{name:24} {row.category or '-':16} {row.content_type:11} {row.image_url}")
    return 0


async def emoji_remove(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with write_session(config) as session:
        await emoji.remove_local(session, BlobStore(config.media_dir), args.name)
    print(f"removed :{args.name}:")
    return 0
