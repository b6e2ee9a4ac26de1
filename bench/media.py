"""Media processing: one 12-megapixel JPEG through the upload pipeline, beside bare Pillow.

The image is made in the run: a 4000x3000 gradient with noise (so JPEG has detail to encode),
saved at quality 92 with EXIF orientation 6 and a GPS block, as a phone would. Timed, each the
median of a few rounds in this process:

    pipeline        `storage.media_files.store_media_file`: sniff, size and pixel checks, decode,
                    EXIF orientation, re-encode (JPEG q90), 640 px preview, 320 px WebP, blurhash,
                    three blob writes (fsync) into a temporary directory
    bare_pillow     the baseline: `Image.open` + `load()` + save as JPEG q90, nothing else
    blurhash        the blurhash step alone (64 px copy of the preview, 4x4 components)

Reported: seconds for each, `pipeline / bare_pillow`, and the blurhash's share of the pipeline.

    python -m bench.media [--quick]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from PIL import Image

from storage import images
from storage.blobs import BlobStore
from storage.config import Limits
from storage.media_files import store_media_file

SIZE = (4000, 3000)


def make_photo(size: tuple[int, int] = SIZE) -> bytes:
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 48)
    photo = Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 0.0)})
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=92, exif=exif)
    assert (width, height) == photo.size
    return out.getvalue()


def bare_pillow(data: bytes) -> int:
    image = Image.open(io.BytesIO(data))
    image.load()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return len(out.getvalue())


def _median_seconds(run: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(quick: bool = False) -> dict[str, Any]:
    rounds = 1 if quick else 3
    data = make_photo()
    with tempfile.TemporaryDirectory(prefix="amity-bench-media-") as root:
        store = BlobStore(root)
        stored = store_media_file(data, store, Limits())  # warm-up; also what the pipeline produced
        pipeline = _median_seconds(lambda: store_media_file(data, store, Limits()), rounds)
    bare = _median_seconds(lambda: bare_pillow(data), rounds)
    source = Image.open(io.BytesIO(data))
    source.draft("RGB", (640, 640))
    preview = source.convert("RGB")
    preview.thumbnail((640, 640))
    blurhash_s = _median_seconds(lambda: images.encode_blurhash(images.hash_source(preview)), max(rounds, 5))
    return {
        "image": {"size": f"{SIZE[0]}x{SIZE[1]}", "megapixels": SIZE[0] * SIZE[1] / 1e6,
                  "jpeg_bytes": len(data), "stored_original": stored.meta["original"]["size"],
                  "rounds": rounds},
        "pipeline_s": round(pipeline, 4),
        "bare_pillow_s": round(bare, 4),
        "blurhash_s": round(blurhash_s, 5),
        "ratios": {"pipeline / bare_pillow": round(pipeline / bare, 2),
                   "blurhash / pipeline": round(blurhash_s / pipeline, 4)},
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.media", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    json.dump(run(parser.parse_args().quick), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
