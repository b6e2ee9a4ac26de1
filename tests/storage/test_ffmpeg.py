"""storage/ffmpeg.py: ffprobe's answer read defensively, the limits, the fixed and safe command
lines, timeouts that kill, and playlists or concat scripts never read as video."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import ffmpeg, sniff
from storage.config import Limits
from storage.errors import Invalid
from tests import av_samples as av


def test_a_missing_ffmpeg_is_named_with_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ffmpeg, "FFPROBE", "no-such-ffprobe")
    with pytest.raises(ffmpeg.MissingTool, match=r"no-such-ffprobe is not installed.*apt-get install ffmpeg"):
        ffmpeg.tools()
    assert not ffmpeg.available()


def test_the_probe_reads_the_first_real_video_and_audio_streams() -> None:
    found = ffmpeg.parse_probe({"streams": [
        {"codec_type": "video", "codec_name": "mjpeg", "width": 600, "height": 600,
         "disposition": {"attached_pic": 1}},  # cover art: not the video
        {"codec_type": "video", "codec_name": "vp9", "width": 640, "height": 360, "avg_frame_rate": "0/0",
         "r_frame_rate": "30000/1001", "pix_fmt": "yuv420p"},
        {"codec_type": "audio", "codec_name": "opus"}],
        "format": {"duration": "12.5", "bit_rate": "900000"}})
    assert (found.width, found.height, found.video_codec, found.audio_codec) == (640, 360, "vp9", "opus")
    assert found.frame_rate == "30000/1001" and found.fps == pytest.approx(29.97, abs=0.01)
    assert (found.duration, found.bitrate) == (12.5, 900_000)


ODD = {"streams": [{"codec_type": "video", "width": "x", "avg_frame_rate": "1/0"}],
       "format": {"duration": "nan", "bit_rate": "-5"}}


@pytest.mark.parametrize("answer", [{}, {"streams": None, "format": None},
                                    ODD])
def test_an_odd_probe_answer_is_no_video(answer: dict[str, object]) -> None:
    found = ffmpeg.parse_probe(answer)
    assert found.duration == 0.0 and found.bitrate is None and not found.has_video and found.fps is None
    with pytest.raises(Invalid, match="Video has no video stream"):
        ffmpeg.check_limits(found, sniff.WEBM, Limits())


def test_the_limits_use_mastodons_wording() -> None:
    limits = Limits(max_video_pixels=100, max_video_frame_rate=30, max_video_seconds=10, max_audio_seconds=5)
    video = ffmpeg.Probe(duration=1.0, width=10, height=10, frame_rate="30/1", video_codec="h264")
    ffmpeg.check_limits(video, sniff.MP4, limits)
    with pytest.raises(Invalid, match=r"^11x10 videos are not supported"):
        ffmpeg.check_limits(ffmpeg.Probe(1.0, width=11, height=10, frame_rate="30/1", video_codec="h264"),
                            sniff.MP4, limits)
    with pytest.raises(Invalid, match=r"^31fps videos are not supported"):
        ffmpeg.check_limits(ffmpeg.Probe(1.0, width=10, height=10, frame_rate="31/1", video_codec="h264"),
                            sniff.MP4, limits)
    with pytest.raises(Invalid, match="is 11 seconds long; at most 10"):
        ffmpeg.check_limits(ffmpeg.Probe(11.0, width=10, height=10, frame_rate="30/1", video_codec="h264"),
                            sniff.MP4, limits)
    with pytest.raises(Invalid, match="no audio stream"):
        ffmpeg.check_limits(ffmpeg.Probe(1.0), sniff.MP3, limits)
    with pytest.raises(Invalid, match="audio is 6 seconds long"):
        ffmpeg.check_limits(ffmpeg.Probe(6.0, audio_codec="mp3"), sniff.MP3, limits)


def test_the_input_is_a_local_file_read_with_the_sniffed_demuxer_only(tmp_path: Path) -> None:
    args = ffmpeg.input_args(tmp_path / "in.webm", sniff.WEBM)
    assert args[args.index("-protocol_whitelist") + 1] == "file"
    assert args[args.index("-f") + 1] == "matroska" and args[-1] == f"file:{(tmp_path / 'in.webm').resolve()}"
    with pytest.raises(Invalid):
        ffmpeg.input_args(tmp_path / "in.png", sniff.PNG)


def test_the_video_output_is_mastodons_h264_aac_mp4_or_a_copy() -> None:
    limits = Limits()
    webm = ffmpeg.Probe(1.0, width=64, height=48, frame_rate="10/1", video_codec="vp8", audio_codec="vorbis",
                        pix_fmt="yuv420p")
    args = ffmpeg.video_args(webm, sniff.WEBM, limits)
    assert args[args.index("-c:v") + 1] == "libx264" and args[args.index("-c:a") + 1] == "aac"
    assert args[args.index("-pix_fmt") + 1] == "yuv420p" and args[args.index("-map_metadata") + 1] == "-1"
    assert args[args.index("-frames:v") + 1] == str(limits.max_video_seconds * limits.max_video_frame_rate)
    h264 = ffmpeg.Probe(1.0, width=64, height=48, frame_rate="10/1", video_codec="h264", audio_codec="aac",
                        pix_fmt="yuv420p")
    copied = ffmpeg.video_args(h264, sniff.MP4, limits)
    assert copied[copied.index("-c:v") + 1] == "copy"
    for output in (args, copied):  # a container's duration can lie: the output is cut at the limit
        assert output[output.index("-t") + 1] == str(limits.max_video_seconds)
    audio = ffmpeg.audio_args(limits)
    assert audio[audio.index("-t") + 1] == str(limits.max_audio_seconds)
    assert audio[audio.index("-c:a") + 1] == "libmp3lame" and audio[audio.index("-q:a") + 1] == "2"
    assert ffmpeg.video_args(h264, sniff.QUICKTIME, limits)[args.index("-c:v") + 1] == "libx264"


async def test_a_run_past_its_deadline_is_killed_and_refused() -> None:
    with pytest.raises(ffmpeg.ToolFailed, match="took more than 0 seconds"):
        await ffmpeg.run(["sleep", "30"], 0.2, "sleeping")


@pytest.mark.parametrize("payload", [av.HLS_PLAYLIST, av.CONCAT_SCRIPT, av.mp4_wrapping(av.HLS_PLAYLIST)])
async def test_a_playlist_or_concat_script_is_never_read_as_video(tmp_path: Path, payload: bytes) -> None:
    av.require_ffmpeg()
    path = tmp_path / "clip.m3u8"
    path.write_bytes(payload.replace(b"/etc/passwd", str(tmp_path / "real.webm").encode()))
    (tmp_path / "real.webm").write_bytes(av.video())
    with pytest.raises(ffmpeg.ToolFailed, match="not what it claims"):
        await ffmpeg.probe(path, sniff.MP4)

