"""What a file is, read from its first bytes: the media formats Amity accepts, and nothing else.

A filename or a declared Content-Type (from an app or another server) is never used to decide
what a file is: a PNG called `photo.jpg` is a PNG, and an HTML page called `cat.png` is
refused. The suffix chosen here ends the blob's name, and `/media/` serves each blob with the
content type of its suffix (`SUFFIX_TYPES`), so what is served is what was verified here.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import features

from storage.errors import Invalid

HEAD_BYTES = 64  # enough of a file to recognise every format below


@dataclass(frozen=True)
class FileType:
    kind: str  # "image", "video" or "audio" (Mastodon's attachment types, but gifv)
    content_type: str
    suffix: str  # the blob name's suffix
    image_format: str | None = None  # Pillow's format name, for images


JPEG = FileType("image", "image/jpeg", "jpg", "JPEG")
PNG = FileType("image", "image/png", "png", "PNG")
GIF = FileType("image", "image/gif", "gif", "GIF")
WEBP = FileType("image", "image/webp", "webp", "WEBP")
AVIF = FileType("image", "image/avif", "avif", "AVIF")
MP4 = FileType("video", "video/mp4", "mp4")
QUICKTIME = FileType("video", "video/quicktime", "mov")
WEBM = FileType("video", "video/webm", "webm")
OGG_VIDEO = FileType("video", "video/ogg", "ogv")
M4A = FileType("audio", "audio/mp4", "m4a")
MP3 = FileType("audio", "audio/mpeg", "mp3")
OGG_AUDIO = FileType("audio", "audio/ogg", "ogg")
WAV = FileType("audio", "audio/wav", "wav")
FLAC = FileType("audio", "audio/flac", "flac")
AAC = FileType("audio", "audio/aac", "aac")

AVIF_SUPPORTED = bool(features.check("avif"))  # Pillow built without libavif cannot decode it
ACCEPTED: tuple[FileType, ...] = (JPEG, PNG, GIF, WEBP, *((AVIF,) if AVIF_SUPPORTED else ()), MP4,
                                  QUICKTIME, WEBM, OGG_VIDEO, M4A, MP3, OGG_AUDIO, WAV, FLAC, AAC)
SUFFIX_TYPES: dict[str, str] = {t.suffix: t.content_type for t in (*ACCEPTED, AVIF)}

_IMAGE_NAMES = "JPEG, PNG, GIF, WebP" + (" or AVIF" if AVIF_SUPPORTED else "")
_WHAT_IS_ACCEPTED = (f"upload an image ({_IMAGE_NAMES}), a video (MP4, WebM, MOV) or audio "
                     "(MP3, Ogg, M4A, WAV, FLAC)")

_MP4_BRANDS = {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash",
               b"M4V ", b"mmp4", b"MSNV"}
_AUDIO_MP4_BRANDS = {b"M4A ", b"M4B "}
_AVIF_BRANDS = {b"avif", b"avis"}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


class UnsupportedFile(Invalid):
    """Not a format accepted as media; the message says what is."""


def sniff(head: bytes) -> FileType:
    """The type of a file from its first bytes (at least `HEAD_BYTES` of them, if it has them)."""
    found = _image(head) or _container(head) or _audio(head)
    if found is not None:
        return found
    raise UnsupportedFile(f"{_describe_refused(head)}: {_WHAT_IS_ACCEPTED}")


def _image(head: bytes) -> FileType | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    return None


def _container(head: bytes) -> FileType | None:
    if head[4:8] == b"ftyp":
        return _iso_media(head)
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: WebM or Matroska
        if b"webm" in head[:HEAD_BYTES]:
            return WEBM
        raise UnsupportedFile(f"Matroska (.mkv) files are not accepted: {_WHAT_IS_ACCEPTED}")
    if head.startswith(b"OggS"):
        return OGG_VIDEO if b"\x80theora" in head[:HEAD_BYTES] else OGG_AUDIO
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return WAV
    return None


def _iso_media(head: bytes) -> FileType | None:
    """MP4, QuickTime, M4A, AVIF or HEIF: told apart by the brands in the `ftyp` box."""
    size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    brands = {major} | {head[i:i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    if brands & _AVIF_BRANDS:
        if AVIF_SUPPORTED:
            return AVIF
        raise UnsupportedFile(f"AVIF images are not supported on this server: {_WHAT_IS_ACCEPTED}")
    if brands & _HEIF_BRANDS:
        raise UnsupportedFile("HEIC/HEIF images are not accepted: export the photo as JPEG "
                              f"(most phones have a 'most compatible' setting), or {_WHAT_IS_ACCEPTED}")
    if major in _AUDIO_MP4_BRANDS:
        return M4A
    if major == b"qt  ":
        return QUICKTIME
    if brands & _MP4_BRANDS:
        return MP4
    return None


def _audio(head: bytes) -> FileType | None:
    if head.startswith(b"fLaC"):
        return FLAC
    if head.startswith(b"ID3"):
        return MP3
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:  # an MPEG audio frame
        if head[1] & 0x06 == 0x02:
            return MP3  # layer III
        if head[1] & 0xF6 == 0xF0:
            return AAC  # ADTS
    return None


def _describe_refused(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<"):
        return "SVG images, HTML and other text files are not accepted (they can carry scripts)"
    if text.startswith(b"%pdf"):
        return "PDF files are not accepted"
    return "this file is not an image, video or audio format accepted here"
