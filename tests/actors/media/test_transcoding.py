"""The conversion's timeout always fits in the job's deadline (else the worker would cancel it)."""

from __future__ import annotations

from pathlib import Path

from actors.media.transcoding import POSTER_SECONDS, transcode_seconds
from storage import ffmpeg
from storage.config import Limits
from tests.conftest import make_config

DB = "sqlite+aiosqlite:///:memory:"


def test_the_conversion_fits_in_the_jobs_deadline(tmp_path: Path) -> None:
    assert transcode_seconds(make_config(DB, tmp_path)) == Limits().media_transcode_seconds
    for lease in (120, 300, 3600):
        seconds = transcode_seconds(make_config(DB, tmp_path, limits={"job_lease_seconds": lease}))
        assert seconds + 2 * ffmpeg.PROBE_SECONDS + POSTER_SECONDS < lease * 0.8
