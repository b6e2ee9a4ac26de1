"""Images in, safe renditions out: header checks, decode, orientation, re-encode, previews, blurhash.

Pure and synchronous (CPU-bound): callers run `process_image` in an executor thread. Order:

1. The image's size is read from its header by the format's own Pillow plugin (Pillow's
   `Image.open` is not used: it only *warns* up to twice its own pixel limit), and an image
   over `max_pixels` is refused before one pixel is decoded.
2. Decode; apply the EXIF orientation; convert a non-sRGB ICC profile (a phone's Display P3)
   to sRGB, then drop it.
3. Re-encode in the same format (a still GIF becomes PNG) from pixels alone: no EXIF (GPS),
   XMP, ICC profile or comment is written, and bytes appended to or hidden in the upload (an
   HTML payload in a polyglot file) cannot survive.
4. A preview (at most 640 px, JPEG, or PNG with transparency), a low-bandwidth rendition (at
   most 320 px, WebP at modest quality) and a blurhash.

An animated image (GIF, WebP, APNG) keeps the uploaded file as its original: Amity does not
transcode animations to video as Mastodon does, and re-encoding every frame would cost far
more than it is worth. Its previews and blurhash come from the first frame, and it is served
as image/* with `nosniff` and a sandboxing CSP like every other file.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

import blurhash
from PIL import (
    GifImagePlugin,
    Image,
    ImageCms,
    ImageFile,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
    WebPImagePlugin,
)

from storage import sniff
from storage.errors import Invalid
from storage.sniff import FileType

PREVIEW_SIDE = 640  # Mastodon's preview size
LOW_BANDWIDTH_SIDE = 320
BLURHASH_SIDE = 64  # blurhash is computed on a tiny copy: its cost grows with the pixels
BLURHASH_COMPONENTS = (4, 4)  # as Mastodon
_QUALITY = {"JPEG": 90, "WEBP": 90, "AVIF": 75}
_LOW_BANDWIDTH_QUALITY = 50
_SRGB = ImageCms.createProfile("sRGB")

_Opener = Callable[[IO[bytes]], ImageFile.ImageFile]


def _openers() -> dict[str, _Opener]:
    openers: dict[str, _Opener] = {
        "JPEG": JpegImagePlugin.JpegImageFile, "PNG": PngImagePlugin.PngImageFile,
        "GIF": GifImagePlugin.GifImageFile, "WEBP": WebPImagePlugin.WebPImageFile,
    }
    if sniff.AVIF_SUPPORTED:
        from PIL import AvifImagePlugin
        openers["AVIF"] = AvifImagePlugin.AvifImageFile
    return openers


_OPENERS = _openers()


@dataclass(frozen=True)
class Rendition:
    data: bytes
    file_type: FileType
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedImage:
    original: Rendition  # re-encoded (or, for an animation, the uploaded file)
    preview: Rendition  # <= PREVIEW_SIDE: Mastodon's `preview_url` / meta `small`
    low_bandwidth: Rendition  # <= LOW_BANDWIDTH_SIDE, for slow connections
    blurhash: str
    animated: bool


def process_image(data: bytes, file_type: FileType, *, max_pixels: int) -> ProcessedImage:
    """Check, decode and re-encode an image whose type `sniff` found; Invalid says what is wrong."""
    image = _open_checked(data, file_type, max_pixels)
    animated = bool(getattr(image, "is_animated", False))
    _decode(image, file_type)
    if animated:
        original = Rendition(data, file_type, *image.size)
        frame = image.convert("RGBA" if _has_alpha(image) else "RGB")
    else:
        frame = _oriented_srgb(image)
        original = _reencode(frame, file_type)
    preview = _preview(frame)
    low = _low_bandwidth(preview.image)
    hashed = encode_blurhash(hash_source(preview.image))
    return ProcessedImage(original, preview.rendition, low, hashed, animated)


def is_animated_gif(data: bytes, *, max_pixels: int) -> bool:
    """A GIF of more than one frame, within `max_pixels` (else `process_image` says what is wrong)."""
    try:
        with GifImagePlugin.GifImageFile(io.BytesIO(data)) as image:
            width, height = image.size
            return 0 < width * height <= max_pixels and bool(getattr(image, "is_animated", False))
    except (OSError, SyntaxError, ValueError, EOFError, IndexError):
        return False


def _open_checked(data: bytes, file_type: FileType, max_pixels: int) -> ImageFile.ImageFile:
    opener = _OPENERS.get(file_type.image_format or "")
    if opener is None:
        raise Invalid(f"{file_type.content_type} is not an image format accepted here")
    try:
        image = opener(io.BytesIO(data))  # reads the header only
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        raise Invalid(f"the image could not be read ({_reason(exc)}): it may be damaged") from None
    width, height = image.size
    if width < 1 or height < 1:
        raise Invalid("the image has no pixels")
    if width * height > max_pixels:
        raise Invalid(f"the image is {width}x{height} pixels; at most {max_pixels:,} pixels are accepted "
                      "(make it smaller and try again)")
    return image


def _decode(image: ImageFile.ImageFile, file_type: FileType) -> None:
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, MemoryError) as exc:
        raise Invalid(f"the {file_type.image_format} image could not be decoded ({_reason(exc)}): "
                      "it may be damaged or cut short") from None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:120] if text else type(exc).__name__


def _oriented_srgb(image: Image.Image) -> Image.Image:
    """The pixels as they should look: EXIF orientation applied, colours in sRGB, no metadata."""
    oriented = ImageOps.exif_transpose(image) or image
    oriented = _to_srgb(oriented)
    if oriented.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        oriented = oriented.convert("RGBA" if _has_alpha(oriented) else "RGB")
    # Only what decoding needs to survive: a palette's transparent index. EXIF, XMP, ICC
    # profile, comments and text chunks all stay behind.
    oriented.info = {k: v for k, v in oriented.info.items() if k == "transparency"}
    return oriented


def _to_srgb(image: Image.Image) -> Image.Image:
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in ImageCms.getProfileDescription(profile).lower():
            return image
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, profile, _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # an unreadable profile: keep the colours as they are
    return converted if converted is not None else image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        image.mode == "P" and "transparency" in image.info)


def _reencode(image: Image.Image, file_type: FileType) -> Rendition:
    target = sniff.PNG if file_type is sniff.GIF else file_type  # a still GIF is better as PNG
    fmt = target.image_format or "PNG"
    if fmt == "JPEG" and image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    if fmt in ("WEBP", "AVIF") and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    return Rendition(_save(image, fmt, quality=_QUALITY.get(fmt)), target, *image.size)


def _save(image: Image.Image, fmt: str, *, quality: int | None) -> bytes:
    out = io.BytesIO()
    options: dict[str, Any] = {} if quality is None else {"quality": quality}
    image.save(out, fmt, **options)
    return out.getvalue()


@dataclass(frozen=True)
class _Preview:
    image: Image.Image
    rendition: Rendition


def _preview(image: Image.Image) -> _Preview:
    alpha = _has_alpha(image)
    mode = "RGBA" if alpha else "RGB"
    preview = _fit(image if image.mode == mode else image.convert(mode), PREVIEW_SIDE)
    file_type = sniff.PNG if alpha else sniff.JPEG
    quality = None if alpha else 85
    return _Preview(preview, Rendition(_save(preview, file_type.image_format or "PNG", quality=quality),
                                       file_type, *preview.size))


def _fit(image: Image.Image, side: int, resample: Image.Resampling = Image.Resampling.LANCZOS) -> Image.Image:
    """A new image at most `side` pixels wide and high (never enlarged), aspect kept."""
    width, height = image.size
    scale = min(1.0, side / max(width, height))
    if scale == 1.0:
        return image.copy()
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, resample, reducing_gap=3.0)


def _low_bandwidth(preview: Image.Image) -> Rendition:
    low = _fit(preview, LOW_BANDWIDTH_SIDE)
    return Rendition(_save(low, "WEBP", quality=_LOW_BANDWIDTH_QUALITY), sniff.WEBP, *low.size)


def hash_source(image: Image.Image) -> Image.Image:
    """A tiny opaque copy (transparency over white) for `encode_blurhash`."""
    tiny = _fit(image, BLURHASH_SIDE, Image.Resampling.BILINEAR)
    if _has_alpha(tiny):
        rgba = tiny.convert("RGBA")
        tiny = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    return tiny.convert("RGB")


def encode_blurhash(image: Image.Image, components: tuple[int, int] = BLURHASH_COMPONENTS) -> str:
    """The blurhash of an RGB image, through blurhash-python's C encoder.

    Its `encode()` copies pixels into a Python list through `Image.getdata` (deprecated,
    removed in Pillow 14) and closes the image it is given; the C function it wraps takes the
    raw RGB bytes directly.
    """
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    width, height = rgb.size
    ffi, lib = blurhash._ffi, blurhash._lib
    pixels = rgb.tobytes()
    destination = ffi.new("char[]", 2 + 4 + (9 * 9 - 1) * 2 + 1)
    result = lib.create_hash_from_pixels(components[0], components[1], width, height,
                                         ffi.from_buffer("uint8_t[]", pixels), width * 3, destination)
    if result == ffi.NULL:
        raise ValueError(f"blurhash components must be 1-9, not {components}")
    return str(ffi.string(result).decode())


def profile_image(data: bytes, file_type: FileType, *, max_pixels: int,
                  crop_to: tuple[int, int] | None = None, shrink_to_pixels: int | None = None) -> Rendition:
    """An avatar or header: the same header check and decode as `process_image`, then either
    cropped around the centre and scaled to exactly `crop_to` (Mastodon's avatar `400x400#`) or,
    keeping its shape, scaled down to at most `shrink_to_pixels` (Mastodon's header: 750,000
    pixels, never cropped); re-encoded from pixels alone (no EXIF, no appended bytes). An
    animation keeps its first frame: a profile picture is shown small and often, and a still one
    costs far less."""
    image = _open_checked(data, file_type, max_pixels)
    _decode(image, file_type)
    frame = _oriented_srgb(image)
    if frame.mode not in ("L", "RGB", "RGBA"):
        frame = frame.convert("RGBA" if _has_alpha(frame) else "RGB")
    if crop_to is not None:
        frame = ImageOps.fit(frame, crop_to, Image.Resampling.LANCZOS)
    elif shrink_to_pixels is not None and frame.width * frame.height > shrink_to_pixels:
        scale = (shrink_to_pixels / (frame.width * frame.height)) ** 0.5
        size = (max(1, int(frame.width * scale)), max(1, int(frame.height * scale)))
        frame = frame.resize(size, Image.Resampling.LANCZOS)
    return _reencode(frame, file_type)
