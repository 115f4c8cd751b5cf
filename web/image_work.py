"""Checking an upload by its content and re-encoding it, at a bounded cost — the work itself,
run in the image process (web.images), never in the web process.

The format comes from the bytes, not the name; the size in pixels and what decoding will cost
from the header, before anything is decoded (web.decode_cost). JPEGs decode reduced straight
towards the stored size; everything is brought down to the stored size a band of rows at a
time before any other step, so no step holds a second full-size copy.
Every piece of metadata (EXIF with GPS, XMP, comments) is dropped; the photo's own time is
read first, for the risk rules, from an EXIF block no larger than a phone writes. A colour
profile is applied (the pixels become sRGB) and not kept, so no block of foreign bytes
survives into a stored file.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import math
import warnings
from contextlib import suppress
from io import BytesIO
from typing import Any

import pillow_heif
from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps, PngImagePlugin

from domain.evidence import (
    HEIC,
    JPEG,
    MAX_EXIF_BYTES,
    MAX_ICC_BYTES,
    MAX_JPEG_PIXELS,
    PDF,
    PNG,
    THUMB_SIZE,
    FileFormat,
    PreparedFile,
    clean_name,
    damaged,
    photo_taken_at,
    size_problem,
    sniff_format,
    stored_size,
    too_many_pixels,
    unsupported,
)
from domain.text import Text
from web.decode_cost import before_opening, fit_to_budget
from web.photo_hashing import photo_hashes

pillow_heif.register_heif_opener()
Image.MAX_IMAGE_PIXELS = MAX_JPEG_PIXELS  # Pillow's own bomb check, as a second line
ImageFile.LOAD_TRUNCATED_IMAGES = False  # a cut-off file is refused, never half-decoded
# PNG text chunks are dropped like all metadata; Pillow would decompress 64 MB of them first
PngImagePlugin.MAX_TEXT_CHUNK = PngImagePlugin.MAX_TEXT_MEMORY = 1024 * 1024

_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heic": "HEIF"}
_EXIF_DATETIME_ORIGINAL = 0x9003
_EXIF_OFFSET_TIME_ORIGINAL = 0x9011
_SRGB = ImageCms.createProfile("sRGB")
_LIBC: Any = None
if (_libc_name := ctypes.util.find_library("c")) is not None:
    _LIBC = ctypes.CDLL(_libc_name)


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
    decoded = _decoded(fmt, name, content)
    if isinstance(decoded, Text):
        return decoded
    upright, exif, icc = decoded
    details = exif.get_ifd(ExifTags.IFD.Exif)
    taken_at = photo_taken_at(
        _exif_text(details.get(_EXIF_DATETIME_ORIGINAL)),
        _exif_text(details.get(_EXIF_OFFSET_TIME_ORIGINAL)),
    )
    _turn_upright(upright, exif.get(ExifTags.Base.Orientation))
    _to_srgb(upright, icc)
    upright.info = {}  # nothing of the original's metadata stays
    stored_format = JPEG if fmt is HEIC else fmt
    stored = _encode(upright, stored_format)
    # at the stored size whole-image steps cost little; reducing first makes the resize quick
    thumb_image = upright if upright.mode == "RGB" else upright.convert("RGB")
    thumb_size = _thumb_size(*upright.size)
    thumb_image = thumb_image.resize(thumb_size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    thumb = BytesIO()
    thumb_image.save(thumb, "JPEG", quality=80)
    hashes = photo_hashes(upright)
    return PreparedFile(
        original_name=name,
        kind="image",
        content_type=stored_format.content_type,
        extension=stored_format.extension,
        content=stored,
        thumb=thumb.getvalue(),
        sha256=digest,
        taken_at=taken_at,
        photo_hashes=hashes.as_text() if hashes is not None else "",
    )


def _decoded(
    fmt: FileFormat, name: str, content: bytes
) -> tuple[Image.Image, Image.Exif, object] | Text:
    """The image at its stored size, its EXIF and its colour profile; or the words for why it
    cannot be decoded at a bounded cost."""
    problem = before_opening(fmt, content, name)
    if problem is not None:
        return problem
    with Image.open(BytesIO(content)) as image:
        if image.format != _PIL_FORMATS[fmt.name]:
            return unsupported(name)
        problem = fit_to_budget(fmt, image, content, name)  # from the header: nothing decoded
        if problem is not None:
            return problem
        try:
            image.load()
            # down to the stored size first, so every later step works on the smaller copy
            stored = _resized(image, stored_size(*image.size))
            return stored, _exif(image.info.get("exif")), image.info.get("icc_profile")
        finally:
            image.close()  # the decoded pixels go now (leaving `with` closes only the file)


def _exif(raw: object) -> Image.Exif:
    """The photo's EXIF; empty when there is none, or when the block is larger than any phone
    writes (its tags would be read into memory many times their size)."""
    exif = Image.Exif()
    if isinstance(raw, bytes) and len(raw) <= MAX_EXIF_BYTES:
        exif.load(raw)
    return exif


def _turn_upright(image: Image.Image, orientation: object) -> None:
    """Turn the pixels the way the camera meant, since the orientation tag goes with the EXIF."""
    if not isinstance(orientation, int) or orientation == 1:
        return
    marker = Image.Exif()
    marker[ExifTags.Base.Orientation] = orientation
    image.info["exif"] = marker.tobytes()
    ImageOps.exif_transpose(image, in_place=True)


def _thumb_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, THUMB_SIZE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _working_mode(image: Image.Image) -> str:
    """A mode that resamples smoothly (palette and 1-bit images only resize pixel by pixel)."""
    if image.mode == "P":
        return "RGBA" if "transparency" in image.info else "RGB"
    return {"1": "L", "PA": "RGBA"}.get(image.mode, image.mode)


_BAND_ROWS = 64  # rows of the result made at a time


def _resized(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """`image` at `size`, made a band of rows at a time: each band of the source (with the rows
    the filter reaches beyond it) is cropped, put in a mode that resamples well and resized.
    Pillow's own resize would first make a full-size copy of an RGBA image, and a full-height
    one of any image; a whole-image convert would make another."""
    mode = _working_mode(image)
    if size == image.size:
        return image.convert(mode) if mode != image.mode else image.copy()
    width, height = image.size
    scale = height / size[1]
    reach = math.ceil(3 * max(scale, 1.0)) + 1  # Lanczos reads 3 pixels each side, scaled
    result = Image.new(mode, size)
    for top in range(0, size[1], _BAND_ROWS):
        bottom = min(size[1], top + _BAND_ROWS)
        first = max(0, math.floor(top * scale) - reach)
        last = min(height, math.ceil(bottom * scale) + reach)
        band = image.crop((0, first, width, last))
        if band.mode != mode:
            band = band.convert(mode)
        box = (0.0, top * scale - first, float(width), bottom * scale - first)
        result.paste(band.resize((size[0], bottom - top), Image.Resampling.LANCZOS, box), (0, top))
    return result


def _to_srgb(image: Image.Image, icc: object) -> None:
    """Apply the photo's colour profile to its pixels, in place (a Display P3 iPhone photo keeps
    its colours); an oversized or unreadable profile is ignored."""
    if not isinstance(icc, bytes) or not icc or len(icc) > MAX_ICC_BYTES:
        return
    if image.mode not in ("RGB", "RGBA"):
        return
    with suppress(ImageCms.PyCMSError, OSError, ValueError):
        source = ImageCms.ImageCmsProfile(BytesIO(icc))
        ImageCms.profileToProfile(image, source, _SRGB, inPlace=True)


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
