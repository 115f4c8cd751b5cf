"""Checking an upload by its content and re-encoding it, at a bounded cost — the work itself,
run in the image process (web.images), never in the web process.

The format comes from the bytes, not the name; the size in pixels from the header, before
anything is decoded. JPEGs decode reduced straight towards the stored size; everything is
brought down to the stored size before any other step.
Every piece of metadata (EXIF with GPS, XMP, comments) is dropped; the photo's own time is
read first, for the risk rules. A colour profile is applied (the pixels become sRGB) and not
kept, so no block of foreign bytes survives into a stored file.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import warnings
from io import BytesIO
from typing import Any

import pillow_heif
from PIL import ExifTags, Image, ImageCms, ImageOps

from domain.evidence import (
    HEIC,
    JPEG,
    MAX_ICC_BYTES,
    MAX_JPEG_PIXELS,
    MAX_PIXELS,
    PDF,
    PNG,
    STORED_EDGE,
    THUMB_SIZE,
    FileFormat,
    PreparedFile,
    damaged,
    photo_taken_at,
    size_problem,
    sniff_format,
    too_many_pixels,
    unsupported,
)
from domain.text import Text

pillow_heif.register_heif_opener()
Image.MAX_IMAGE_PIXELS = MAX_JPEG_PIXELS  # Pillow's own bomb check, as a second line

_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heic": "HEIF"}
_EXIF_DATETIME_ORIGINAL = 0x9003
_EXIF_OFFSET_TIME_ORIGINAL = 0x9011
_SRGB = ImageCms.createProfile("sRGB")
_LIBC: Any = None
if (_libc_name := ctypes.util.find_library("c")) is not None:
    _LIBC = ctypes.CDLL(_libc_name)


def clean_name(filename: str) -> str:
    """The name as the merchant knows it, without folders, control characters or line breaks."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:200] or "file"


def prepare(filename: str, content: bytes) -> PreparedFile | Text:
    """The file ready to store, or the words for why it cannot be accepted."""
    name = clean_name(filename)
    problem = size_problem(name, len(content))
    if problem is not None:
        return problem
    fmt = sniff_format(content[:32])
    if fmt is None:
        return unsupported(name)
    digest = hashlib.sha256(content).hexdigest()
    if fmt is PDF:
        # a PDF ends with %%EOF (a few bytes of trailing junk are common); no end means cut off
        if b"%%EOF" not in content[-2048:]:
            return damaged(name)
        return PreparedFile(
            name, "pdf", PDF.content_type, PDF.extension, content, None, digest, None
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _prepare_image(fmt, name, content, digest)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return too_many_pixels(name)
    except (OSError, ValueError, SyntaxError, Warning):
        return damaged(name)
    finally:
        if _LIBC is not None:
            _LIBC.malloc_trim(0)  # hand a decoded photo's memory back to the system now


def _prepare_image(fmt: FileFormat, name: str, content: bytes, digest: str) -> PreparedFile | Text:
    with Image.open(BytesIO(content)) as image:
        if image.format != _PIL_FORMATS[fmt.name]:
            return unsupported(name)
        width, height = image.size  # from the header: nothing is decoded yet
        if width * height > (MAX_JPEG_PIXELS if fmt is JPEG else MAX_PIXELS):
            return too_many_pixels(name)
        if fmt is JPEG:
            image.draft("RGB", (STORED_EDGE, STORED_EDGE))
        exif = image.getexif()
        details = exif.get_ifd(ExifTags.IFD.Exif)
        taken_at = photo_taken_at(
            _exif_text(details.get(_EXIF_DATETIME_ORIGINAL)),
            _exif_text(details.get(_EXIF_OFFSET_TIME_ORIGINAL)),
        )
        icc = image.info.get("icc_profile")
        image.load()
        # down to the stored size first, so every later step works on the smaller copy; the
        # big decoded pixels are freed as the block ends
        upright = image.copy() if max(image.size) <= STORED_EDGE else _reduced(image)
    # turn the pixels the way the camera meant, since the orientation tag goes with the EXIF
    upright.info["exif"] = exif.tobytes()
    ImageOps.exif_transpose(upright, in_place=True)
    upright = _in_srgb(upright, icc)
    upright.info = {}  # nothing of the original's metadata stays
    stored_format = JPEG if fmt is HEIC else fmt
    stored = _encode(upright, stored_format)
    thumb_image = upright.convert("RGB")
    thumb_image.thumbnail((THUMB_SIZE, THUMB_SIZE))
    thumb = BytesIO()
    thumb_image.save(thumb, "JPEG", quality=80)
    return PreparedFile(
        original_name=name,
        kind="image",
        content_type=stored_format.content_type,
        extension=stored_format.extension,
        content=stored,
        thumb=thumb.getvalue(),
        sha256=digest,
        taken_at=taken_at,
    )


def _reduced(image: Image.Image) -> Image.Image:
    width, height = image.size
    scale = STORED_EDGE / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _in_srgb(image: Image.Image, icc: object) -> Image.Image:
    """Apply the photo's colour profile (a Display P3 iPhone photo keeps its colours); an
    oversized or unreadable profile is ignored."""
    if not isinstance(icc, bytes) or not icc or len(icc) > MAX_ICC_BYTES:
        return image
    if image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted if converted is not None else image


def _encode(image: Image.Image, fmt: FileFormat) -> bytes:
    out = BytesIO()
    if fmt is JPEG:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=85, optimize=True)
    elif fmt is PNG:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=False, compress_level=6)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.mode else "RGB")
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def _exif_text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("ascii", "ignore")
    return value if isinstance(value, str) else None
