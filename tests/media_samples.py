"""Media files made in the test run: real images, hostile ones, and the first bytes of A/V files."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageCms

HTML_PAYLOAD = b"<html><script>alert(document.cookie)</script></html>"
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def gradient(width: int = 64, height: int = 48, mode: str = "RGB") -> Image.Image:
    """A left-to-right red and top-to-bottom green gradient: orientation is visible in pixels."""
    image = Image.new("RGB", (width, height))
    image.putdata([(x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), 80)
                   for y in range(height) for x in range(width)])
    return image.convert(mode)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg_with_gps_and_orientation(width: int = 64, height: int = 48, orientation: int = 6) -> bytes:
    """A JPEG that must be shown turned (orientation 6: 90° clockwise), with a GPS position."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    return encode(gradient(width, height), "JPEG", exif=exif, quality=95, comment=b"secret comment")


def png() -> bytes:
    return encode(gradient(), "PNG")


def png_with_alpha() -> bytes:
    image = gradient(mode="RGBA")
    image.putalpha(128)
    return encode(image, "PNG")


def gif(animated: bool = False) -> bytes:
    frames = [gradient().convert("P"), gradient().rotate(180).convert("P")]
    if animated:
        return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return encode(frames[0], "GIF")


def webp() -> bytes:
    return encode(gradient(), "WEBP", quality=80)


def avif() -> bytes:
    return encode(gradient(), "AVIF")


def jpeg_with_icc_profile() -> bytes:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return encode(gradient(), "JPEG", icc_profile=srgb.tobytes())


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A few hundred bytes declaring width x height pixels (the IDAT would inflate to ~30 GB)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 65_536, 9)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat)
            + _png_chunk(b"IEND", b""))


def polyglot_png() -> bytes:
    """A valid PNG with an HTML page in a text chunk and appended after IEND."""
    image = encode(gradient(), "PNG")
    with_text = image[:33] + _png_chunk(b"tEXt", b"Comment\x00" + HTML_PAYLOAD) + image[33:]
    return with_text + HTML_PAYLOAD


def mp4_head() -> bytes:
    return (struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00" + b"isomiso2"
            + struct.pack(">I", 8) + b"free" + b"\x00" * 64)


def m4a_head() -> bytes:
    return struct.pack(">I", 20) + b"ftypM4A " + b"\x00\x00\x00\x00" + b"isom" + b"\x00" * 64


def heic_head() -> bytes:
    return struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic" + b"\x00" * 64


def webm_head() -> bytes:
    return b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 64


def ogg_vorbis_head() -> bytes:
    return b"OggS\x00\x02" + b"\x00" * 22 + b"\x01vorbis" + b"\x00" * 40


def wav_head() -> bytes:
    return b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64


def mp3_head() -> bytes:
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00" * 64


def flac_head() -> bytes:
    return b"fLaC\x00\x00\x00\x22" + b"\x00" * 64


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b"<script>alert(1)</script></svg>")
