"""Video and audio made by ffmpeg itself for the tests (tiny, about a second, `lavfi` sources),
and the rule for tests that need ffmpeg: in CI (`AMITY_TEST_REQUIRE_FFMPEG=1`, or `CI=true`)
a missing ffmpeg fails them; elsewhere they are skipped, saying why and what to install."""

from __future__ import annotations

import functools
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from storage import ffmpeg

REQUIRE_ENV = "AMITY_TEST_REQUIRE_FFMPEG"  # "1" in CI: a missing ffmpeg fails, never skips


def require_ffmpeg() -> None:
    if ffmpeg.available():
        return
    if os.environ.get(REQUIRE_ENV) == "1" or os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"ffmpeg and ffprobe are required ({REQUIRE_ENV}=1 or CI=true) but are not installed")
    pytest.skip("ffmpeg is not installed (apt-get install ffmpeg): the video and audio tests need it")


@functools.cache
def video(*, size: str = "64x48", rate: int = 10, seconds: float = 1.0, audio: bool = True,
          container: str = "webm") -> bytes:
    """A test pattern (with a 440 Hz tone unless `audio` is False): WebM (VP8/Vorbis) or MP4
    (H.264/AAC, which is copied rather than re-encoded)."""
    inputs = ["-f", "lavfi", "-i", f"testsrc=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    codecs = {"webm": ["-c:v", "libvpx", "-c:a", "libvorbis"],
              "mp4": ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"]}[container]
    return _make([*inputs, *codecs, "-f", container], container)


@functools.cache
def audio(*, seconds: float = 1.0, fmt: str = "wav") -> bytes:
    return _make(["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-f", fmt], fmt)


def _make(args: list[str], suffix: str) -> bytes:
    require_ffmpeg()
    ffmpeg_path, _ = ffmpeg.tools()
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / f"sample.{suffix}"
        subprocess.run([ffmpeg_path, "-nostdin", "-hide_banner", "-loglevel", "error", *args, "-y", str(out)],
                       check=True, timeout=60)
        return out.read_bytes()


# Hostile files: each names a local file the way ffmpeg's playlist and concat demuxers would read it.
HLS_PLAYLIST = b"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"
CONCAT_SCRIPT = b"ffconcat version 1.0\nfile '/etc/passwd'\n"


def mp4_wrapping(payload: bytes) -> bytes:
    """An MP4 `ftyp` box (so the file sniffs as MP4) followed by a playlist or script."""
    return b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + payload
