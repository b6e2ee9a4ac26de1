"""Sniffing and the image pipeline: content decides the type; what comes out carries only pixels."""

from __future__ import annotations

import io

import blurhash
import pytest
from PIL import Image

from storage import images, sniff
from storage.blobs import BlobStore
from storage.config import Limits
from storage.errors import Invalid
from storage.media_files import store_media_file
from tests import media_samples as samples


@pytest.mark.parametrize(("data", "expected"), [
    (samples.jpeg_with_gps_and_orientation(), sniff.JPEG), (samples.png(), sniff.PNG),
    (samples.gif(), sniff.GIF), (samples.webp(), sniff.WEBP), (samples.mp4_head(), sniff.MP4),
    (samples.m4a_head(), sniff.M4A), (samples.webm_head(), sniff.WEBM),
    (samples.ogg_vorbis_head(), sniff.OGG_AUDIO), (samples.wav_head(), sniff.WAV),
    (samples.mp3_head(), sniff.MP3), (samples.flac_head(), sniff.FLAC),
])
def test_the_type_comes_from_the_first_bytes(data: bytes, expected: sniff.FileType) -> None:
    assert sniff.sniff(data[:sniff.HEAD_BYTES]) is expected


@pytest.mark.parametrize(("data", "message"), [
    (samples.SVG, "SVG images, HTML and other text files are not accepted"),
    (b"\xef\xbb\xbf  <!doctype html><html>", "SVG images, HTML and other text files are not accepted"),
    (b"%PDF-1.7\n", "PDF files are not accepted"),
    (samples.heic_head(), "HEIC/HEIF images are not accepted: export the photo as JPEG"),
    (b"MZ\x90\x00" + b"\x00" * 60, "this file is not an image, video or audio format accepted here"),
    (b"", "this file is not an image, video or audio format accepted here"),
])
def test_other_files_are_refused_with_what_would_do(data: bytes, message: str) -> None:
    with pytest.raises(sniff.UnsupportedFile, match=message) as refused:
        sniff.sniff(data[:sniff.HEAD_BYTES])
    assert "upload an image (JPEG, PNG, GIF, WebP" in str(refused.value)


def test_avif_is_accepted_exactly_when_pillow_decodes_it() -> None:
    if not sniff.AVIF_SUPPORTED:
        with pytest.raises(sniff.UnsupportedFile, match="AVIF images are not supported"):
            sniff.sniff(samples.avif()[:sniff.HEAD_BYTES])
        return
    data = samples.avif()
    assert sniff.sniff(data[:sniff.HEAD_BYTES]) is sniff.AVIF
    processed = images.process_image(data, sniff.AVIF, max_pixels=10_000)
    assert processed.original.file_type is sniff.AVIF and processed.original.width == 64


def _process(data: bytes, max_pixels: int = 40_000_000) -> images.ProcessedImage:
    return images.process_image(data, sniff.sniff(data[:sniff.HEAD_BYTES]), max_pixels=max_pixels)


def test_exif_gps_and_comments_are_gone_and_the_orientation_is_applied() -> None:
    data = samples.jpeg_with_gps_and_orientation(64, 48, orientation=6)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(samples.GPS_IFD)  # the sample has GPS
    processed = _process(data)
    out = Image.open(io.BytesIO(processed.original.data))
    assert (out.width, out.height) == (48, 64)  # turned: portrait now
    assert len(out.getexif()) == 0 and "exif" not in out.info and "comment" not in out.info
    assert b"Exif" not in processed.original.data and b"secret comment" not in processed.original.data
    # orientation 6 turns the image clockwise: the old left column (red = 0) is now the top row
    top_left, top_right = out.getpixel((0, 0)), out.getpixel((47, 0))
    assert isinstance(top_left, tuple) and isinstance(top_right, tuple)
    assert top_left[0] < 40 and top_right[0] < 40 and top_left[1] > 200 and top_right[1] < 40


def test_an_icc_profile_is_not_kept() -> None:
    processed = _process(samples.jpeg_with_icc_profile())
    assert "icc_profile" not in Image.open(io.BytesIO(processed.original.data)).info


def test_previews_a_low_bandwidth_rendition_and_a_blurhash() -> None:
    processed = _process(samples.jpeg_with_gps_and_orientation(2000, 1000, orientation=1))
    assert (processed.original.width, processed.original.height) == (2000, 1000)
    assert (processed.preview.width, processed.preview.height) == (640, 320)
    assert processed.preview.file_type is sniff.JPEG
    assert (processed.low_bandwidth.width, processed.low_bandwidth.height) == (320, 160)
    assert processed.low_bandwidth.file_type is sniff.WEBP
    assert len(processed.low_bandwidth.data) < len(processed.preview.data)
    assert blurhash.is_valid_blurhash(processed.blurhash) and len(processed.blurhash) == 36  # 4x4 components


def test_the_blurhash_is_the_libraries_own() -> None:
    image = samples.gradient(32, 24)
    with pytest.warns(DeprecationWarning):  # blurhash-python's encode() uses Image.getdata
        expected = blurhash.encode(image.copy(), 4, 4)
    assert images.encode_blurhash(image) == expected


def test_transparency_stays_in_a_png_preview() -> None:
    processed = _process(samples.png_with_alpha())
    assert processed.original.file_type is sniff.PNG and processed.preview.file_type is sniff.PNG
    assert Image.open(io.BytesIO(processed.preview.data)).mode == "RGBA"


def test_a_still_gif_becomes_a_png_and_an_animated_one_is_kept_as_uploaded() -> None:
    still = _process(samples.gif())
    assert still.original.file_type is sniff.PNG and not still.animated
    data = samples.gif(animated=True)
    animated = _process(data)
    assert animated.animated and animated.original.data == data
    assert animated.original.file_type is sniff.GIF and animated.preview.file_type is sniff.JPEG


def test_a_polyglot_loses_its_payload() -> None:
    processed = _process(samples.polyglot_png())
    for rendition in (processed.original, processed.preview, processed.low_bandwidth):
        assert b"<script" not in rendition.data and b"<html" not in rendition.data


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    bomb = samples.png_bomb()
    assert len(bomb) < 1000
    with pytest.raises(Invalid, match=r"100000x100000 pixels; at most 40,000,000 pixels"):
        _process(bomb)


def test_the_pixel_cap_is_the_configured_one() -> None:
    with pytest.raises(Invalid, match="64x48 pixels; at most 3,000 pixels"):
        _process(samples.png(), max_pixels=3000)


@pytest.mark.parametrize("data", [samples.png()[:60], samples.jpeg_with_gps_and_orientation()[:400]])
def test_a_damaged_image_is_refused(data: bytes) -> None:
    with pytest.raises(Invalid, match="damaged"):
        _process(data)


def test_a_refused_file_writes_nothing(tmp_path: object) -> None:
    from pathlib import Path
    root = Path(str(tmp_path)) / "media"
    with pytest.raises(Invalid):
        store_media_file(samples.png_bomb(), BlobStore(root), Limits())
    assert not root.exists() or not any(root.rglob("*"))


def test_a_stored_image_has_three_blobs_and_mastodons_meta(tmp_path: object) -> None:
    from pathlib import Path
    store = BlobStore(Path(str(tmp_path)))
    stored = store_media_file(samples.png(), store, Limits())
    assert stored.kind == "image" and stored.content_type == "image/png"
    assert [k.rsplit(".", 1)[1] for k in stored.keys] == ["png", "jpg", "webp"]
    assert all(store.exists(k) for k in stored.keys)
    assert stored.meta["original"] == {"width": 64, "height": 48, "size": "64x48", "aspect": 64 / 48}
    assert stored.meta["small"]["size"] == "64x48"
