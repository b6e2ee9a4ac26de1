"""The pages' strings are marked for translation: Babel's extractor finds them with the
project's extraction config (what `make messages` runs)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

ROOT = Path(__file__).resolve().parents[3]


def test_template_strings_are_extracted() -> None:
    with open(ROOT / "ui/web/babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {message for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map)}
    for text in ("Skip to content", "About %(title)s", "Reports received", "Partner servers"):
        assert text in found
