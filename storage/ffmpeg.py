"""ffprobe and ffmpeg, run safely: what a video or audio file holds, and its transcoded copy.

Mastodon's choices (app/models/media_attachment.rb, lib/paperclip/transcoder.rb): video becomes
H.264 (yuv420p, even dimensions, `-preset veryfast`) with AAC audio at 192k in an MP4 that
starts playing before it is fully downloaded; an H.264/AAC yuv420p MP4 is copied without
re-encoding; audio becomes MP3 (`-q:a 2`); metadata is dropped; the poster is the first frame,
at most 640 pixels a side.

Every run is a subprocess with fixed arguments (no shell), a timeout (the process is killed
when it passes), stdin closed, reading one local file given as a `file:` path. The input
demuxer is named from the type `sniff` found (`-f mov`, `-f matroska`, ...), never guessed by
ffmpeg, so a playlist (HLS), concat script or image sequence cannot be read as a video, and
`-protocol_whitelist file` keeps any reference inside the file from reaching the network.
"""

from __future__ import annotations

import asyncio
import json
import math
import shutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from storage.config import Limits
from storage.errors import Invalid
from storage.sniff import FileType

FFMPEG = "ffmpeg"  # looked up on PATH when needed (tests put a missing name here)
FFPROBE = "ffprobe"
PROBE_SECONDS = 20.0
POSTER_SIDE = 640  # Mastodon's video `small` style
AUDIO_BITRATE = "192k"  # AAC in a transcoded video, as Mastodon
# The demuxer for each type `sniff` accepts: ffmpeg never chooses one from the file's content.
DEMUXERS = {"video/mp4": "mov", "video/quicktime": "mov", "audio/mp4": "mov", "video/webm": "matroska",
            "video/ogg": "ogg", "audio/ogg": "ogg", "audio/mpeg": "mp3", "audio/wav": "wav",
            "audio/flac": "flac", "audio/aac": "aac", "image/gif": "gif"}
_SAFE_INPUT = ("-nostdin", "-hide_banner", "-loglevel", "fatal", "-protocol_whitelist", "file")


class MissingTool(Invalid):
    """ffmpeg (or ffprobe) is not installed: video and audio cannot be accepted."""


class ToolFailed(Invalid):
    """ffmpeg or ffprobe could not read or convert the file, or took too long."""


def tools() -> tuple[str, str]:
    """The paths of ffmpeg and ffprobe; MissingTool, saying what to do, if either is missing."""
    ffmpeg, ffprobe = shutil.which(FFMPEG), shutil.which(FFPROBE)
    if ffmpeg is None or ffprobe is None:
        missing = " and ".join(n for n, p in ((FFMPEG, ffmpeg), (FFPROBE, ffprobe)) if p is None)
        raise MissingTool(f"this server cannot take video or audio: {missing} is not installed. "
                          "Its admin can install ffmpeg (on Debian or Ubuntu: apt-get install ffmpeg) "
                          "and restart Amity; images can still be uploaded")
    return ffmpeg, ffprobe


def available() -> bool:
    try:
        tools()
    except MissingTool:
        return False
    return True


@dataclass(frozen=True)
class Probe:
    """What ffprobe found in a file (the first video and the first audio stream)."""

    duration: float
    bitrate: int | None = None
    width: int | None = None
    height: int | None = None
    frame_rate: str | None = None  # as ffprobe gives it, e.g. "30000/1001"
    max_frame_rate: float | None = None  # r_frame_rate: the highest rate a frame may come at
    video_codec: str | None = None
    audio_codec: str | None = None
    pix_fmt: str | None = None

    @property
    def fps(self) -> float | None:
        return _rate(self.frame_rate)

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None and self.width is not None and self.height is not None


async def run(args: list[str], seconds: float, what: str) -> bytes:
    """Run one command (no shell); its stdout. ToolFailed if it fails or runs over `seconds`."""
    process = await asyncio.create_subprocess_exec(
        *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(), seconds)
    except TimeoutError:
        await _kill(process)
        raise ToolFailed(f"{what} took more than {seconds:.0f} seconds; try a shorter or smaller file") \
            from None
    except BaseException:  # cancelled (a shutdown, the job's own deadline): never leave it running
        await _kill(process)
        raise
    if process.returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no detail"]
        raise ToolFailed(f"{what} failed: the file may be damaged or not what it claims ({detail[0][:200]})")
    return out


async def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
        await process.wait()


def input_args(path: Path, file_type: FileType) -> list[str]:
    demuxer = DEMUXERS.get(file_type.content_type)
    if demuxer is None:
        raise Invalid(f"{file_type.content_type} is not a video or audio format accepted here")
    return [*_SAFE_INPUT, "-f", demuxer, "-i", f"file:{path.resolve()}"]


async def probe(path: Path, file_type: FileType, *, seconds: float = PROBE_SECONDS) -> Probe:
    _, ffprobe = tools()
    demuxer = DEMUXERS.get(file_type.content_type)
    if demuxer is None:
        raise Invalid(f"{file_type.content_type} is not a video or audio format accepted here")
    out = await run([ffprobe, "-v", "error", "-protocol_whitelist", "file", "-f", demuxer,
                     "-show_entries", "format=duration,bit_rate:stream=codec_type,codec_name,width,height,"
                     "avg_frame_rate,r_frame_rate,pix_fmt,duration,disposition",
                     "-of", "json", f"file:{path.resolve()}"], seconds, "reading the file")
    try:
        return parse_probe(json.loads(out))
    except (ValueError, TypeError, AttributeError):
        raise ToolFailed("the file could not be read as video or audio") from None


def parse_probe(found: dict[str, Any]) -> Probe:
    streams = found.get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video"
                  and not (s.get("disposition") or {}).get("attached_pic")), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    fmt = found.get("format") or {}
    duration = _number(fmt.get("duration")) or max(
        (_number(s.get("duration")) or 0.0 for s in streams), default=0.0)
    bitrate = _number(fmt.get("bit_rate"))
    fields: dict[str, Any] = {}
    if video is not None:
        frame_rate = video.get("avg_frame_rate")
        if _rate(frame_rate) is None:
            frame_rate = video.get("r_frame_rate")
        fields = {"width": _int(video.get("width")), "height": _int(video.get("height")),
                  "frame_rate": frame_rate if _rate(frame_rate) else None,
                  "max_frame_rate": _rate(video.get("r_frame_rate")),
                  "video_codec": video.get("codec_name"), "pix_fmt": video.get("pix_fmt")}
    return Probe(duration=duration, bitrate=int(bitrate) if bitrate else None,
                 audio_codec=audio.get("codec_name") if audio else None, **fields)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _int(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number else None


def _rate(value: Any) -> float | None:
    """ "30000/1001" → 29.97; None for "0/0" or anything odd."""
    try:
        rate = float(Fraction(str(value)))
    except (ValueError, ZeroDivisionError):
        return None
    return rate if math.isfinite(rate) and rate > 0 else None


def is_video(file_type: FileType) -> bool:
    """Video, or an animated GIF: both become an MP4 (a GIF a silent one, `gifv`, as Mastodon)."""
    return file_type.kind == "video" or file_type.content_type == "image/gif"


def check_limits(found: Probe, file_type: FileType, limits: Limits) -> None:
    """Refuse (Invalid) what this node does not take: Mastodon's checks and wording, plus length."""
    if file_type.kind == "audio":
        if found.audio_codec is None:
            raise Invalid("the file has no audio stream")
        if found.duration > limits.max_audio_seconds:
            raise Invalid(f"the audio is {found.duration:.0f} seconds long; at most "
                          f"{limits.max_audio_seconds} seconds are accepted")
        return
    if not found.has_video or found.fps is None:
        raise Invalid("Video has no video stream")
    width, height = found.width or 0, found.height or 0
    if width * height > limits.max_video_pixels:
        raise Invalid(f"{width}x{height} videos are not supported: a video may have at most "
                      f"{limits.max_video_pixels:,} pixels per frame (for example 3840x2160)")
    if math.floor(found.fps) > limits.max_video_frame_rate:
        raise Invalid(f"{math.floor(found.fps)}fps videos are not supported: at most "
                      f"{limits.max_video_frame_rate} frames per second")
    if found.duration > limits.max_video_seconds:
        raise Invalid(f"the video is {found.duration:.0f} seconds long; at most "
                      f"{limits.max_video_seconds} seconds are accepted")


def can_copy(found: Probe, file_type: FileType) -> bool:
    """An MP4 that browsers play as it is (H.264, yuv420p, AAC or silent): copied, not re-encoded."""
    return (file_type.content_type == "video/mp4" and found.video_codec == "h264"
            and found.audio_codec in ("aac", None) and found.pix_fmt == "yuv420p")


def video_args(found: Probe, file_type: FileType, limits: Limits) -> list[str]:
    """ffmpeg's output options for the MP4 a video becomes."""
    common = ["-map", "0:v:0", "-map", "0:a:0?", "-map_metadata", "-1", "-sn", "-dn",
              "-movflags", "+faststart"]
    if can_copy(found, file_type):
        return [*common, "-t", str(limits.max_video_seconds), "-c:v", "copy", "-c:a", "copy", "-f", "mp4"]
    frames = limits.max_video_seconds * limits.max_video_frame_rate
    rate_cap = []
    if found.max_frame_rate and found.max_frame_rate > limits.max_video_frame_rate:
        rate_cap = ["-fps_mode", "vfr", "-r", str(limits.max_video_frame_rate)]  # Mastodon's VFR rule
    return [*common, *rate_cap, "-t", str(limits.max_video_seconds), "-c:v", "libx264", "-preset", "veryfast",
            "-pix_fmt", "yuv420p",
            "-vf", "crop=floor(iw/2)*2:floor(ih/2)*2", "-frames:v", str(frames),
            "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-f", "mp4"]


def audio_args(limits: Limits) -> list[str]:
    """ffmpeg's output options for the MP3 audio becomes (`-t`: a container's duration can lie)."""
    return ["-map", "0:a:0", "-vn", "-sn", "-dn", "-map_metadata", "-1", "-t", str(limits.max_audio_seconds),
            "-c:a", "libmp3lame", "-q:a", "2", "-f", "mp3"]
_FIT = f"scale='min({POSTER_SIDE},iw)':'min({POSTER_SIDE},ih)':force_original_aspect_ratio=decrease"
POSTER_ARGS = ["-map", "0:v:0", "-frames:v", "1", "-an", "-vf", _FIT,
               "-c:v", "png", "-f", "image2"]


async def convert(source: Path, file_type: FileType, output_args: list[str], target: Path, *,
                  seconds: float, max_bytes: int) -> None:
    """Write `target` from `source` with these output options (`-fs`: never more than `max_bytes`)."""
    ffmpeg, _ = tools()
    await run([ffmpeg, *input_args(source, file_type), *output_args, "-fs", str(max_bytes), "-y",
               f"file:{target.resolve()}"], seconds, "converting the file")
    if not target.is_file() or target.stat().st_size == 0:
        raise ToolFailed("converting the file gave nothing: it may be damaged")
