"""Small images made with Pillow for the emoji tests."""

from __future__ import annotations

import io

from PIL import Image


def png(size: tuple[int, int] = (16, 16), fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    mode = "RGB" if fmt in ("BMP", "JPEG") else "RGBA"
    Image.new(mode, size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()
