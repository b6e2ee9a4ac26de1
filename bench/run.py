"""Run the benchmarks and print one JSON document: `python -m bench.run [--only NAME] [--quick]`.

Progress goes to stderr; stdout carries only the JSON, so `python -m bench.run > out.json` works.
Benchmarks report numbers; they never pass or fail on a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bench import blocklist, content, fanout, inbox, kernel, media, timeline

Benchmark = Callable[[bool], dict[str, Any]]

# name -> function(quick) returning that benchmark's results
BENCHMARKS: dict[str, Benchmark] = {
    "kernel": kernel.run,
    "fanout": fanout.run,
    "inbox": inbox.run,
    "media": media.run,
    "content": content.run,
    "timeline": timeline.run,
    "blocklist": blocklist.run,
}


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--only", choices=sorted(BENCHMARKS), help="run this benchmark alone")
    parser.add_argument("--quick", action="store_true", help="fewer jobs: a smoke run, noisier numbers")
    args = parser.parse_args(argv)
    names = [args.only] if args.only else sorted(BENCHMARKS)
    results: dict[str, Any] = {}
    for name in names:
        print(f"bench: {name}{' (quick)' if args.quick else ''}", file=sys.stderr)
        results[name] = BENCHMARKS[name](args.quick)
    json.dump({"machine": machine(), "quick": args.quick, "results": results}, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
