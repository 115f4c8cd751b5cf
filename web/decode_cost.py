"""What decoding an image will hold in memory, read from its header before a pixel is decoded:
the image is refused when that passes MAX_DECODED_BYTES, and a JPEG is set to decode reduced so
that it fits. Runs in the image process, with web.image_work.

The figures are the decoders' own: Pillow keeps a pixel in 1, 2 or 4 bytes by mode; libwebp
holds two canvases from the moment the file is opened, then hands the frame over as bytes that
Pillow copies; libheif hands over RGB(A) that Pillow copies; the decoder of a progressive JPEG,
or of one that brings its components one scan after another, keeps every coefficient of the
whole image whatever size it decodes at."""

from __future__ import annotations

from math import ceil

from PIL import Image

from domain.evidence import (
    HEIC,
    JPEG,
    MAX_DECODED_BYTES,
    MAX_JPEG_PIXELS,
    MAX_PIXELS,
    PNG,
    WEBP,
    FileFormat,
    jpeg_keeps_every_coefficient,
    jpeg_reduction,
    too_large_to_open,
    too_many_pixels,
    webp_size,
)
from domain.text import Text

# Bytes a pixel costs in the decoder's own buffers, beside Pillow's image (see above)
_DECODER_BYTES = {PNG: 0, WEBP: 12, HEIC: 4}
_WEBP_PIXEL_BYTES = 4  # RGBA, or RGB kept in four bytes
_JPEG_BLOCK_BYTES = 64 * 2  # 64 coefficients of two bytes for each 8 × 8 block


def pixel_bytes(mode: str) -> int:
    """Bytes Pillow keeps for one pixel of an image in `mode`."""
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4  # three bands are kept in four bytes, like four


def coefficient_bytes(image: Image.Image) -> int:
    """What a JPEG's decoder holds when it keeps every coefficient of the whole image: each
    component at its own sampling (from the frame header), in whole MCUs."""
    width, height = image.size
    layers = getattr(image, "layer", [])  # (id, horizontal, vertical sampling, table) each
    if not layers:
        return 0
    most_h = max(layer[1] for layer in layers)
    most_v = max(layer[2] for layer in layers)
    blocks = 0
    for _id, h, v, _table in layers:
        columns = ceil(ceil(width * h / most_h) / 8)
        rows = ceil(ceil(height * v / most_v) / 8)
        blocks += (ceil(columns / h) * h) * (ceil(rows / v) * v)  # whole MCUs
    return blocks * _JPEG_BLOCK_BYTES


def before_opening(fmt: FileFormat, content: bytes, name: str) -> Text | None:
    """The words for a WebP that would cost too much to open, or None. Opening one already
    makes libwebp's canvases (Pillow only refuses past twice its own pixel limit), so its size
    is read from the first bytes instead; other formats are checked once opened."""
    size = webp_size(content[:30]) if fmt is WEBP else None
    if size is None:
        return None
    pixels = size[0] * size[1]
    if pixels > MAX_PIXELS:
        return too_many_pixels(name)
    per_pixel = _WEBP_PIXEL_BYTES + _DECODER_BYTES[WEBP]
    return too_large_to_open(name, per_pixel) if pixels * per_pixel > MAX_DECODED_BYTES else None


def fit_to_budget(fmt: FileFormat, image: Image.Image, content: bytes, name: str) -> Text | None:
    """The words for an image that would cost too much to decode, or None: then it will decode
    within MAX_DECODED_BYTES (a JPEG reduced as far as that takes). Nothing is decoded here."""
    width, height = image.size
    if width * height > (MAX_JPEG_PIXELS if fmt is JPEG else MAX_PIXELS):
        return too_many_pixels(name)
    if fmt is JPEG:
        held = coefficient_bytes(image) if jpeg_keeps_every_coefficient(content) else 0
        return _reduce_jpeg(image, held, name)
    per_pixel = pixel_bytes(image.mode) + _DECODER_BYTES[fmt]
    if width * height * per_pixel > MAX_DECODED_BYTES:
        return too_large_to_open(name, per_pixel)
    return None


def _reduce_jpeg(image: Image.Image, held: int, name: str) -> Text | None:
    width, height = image.size
    per_pixel = pixel_bytes(image.mode)
    reduction = jpeg_reduction(width, height, per_pixel, held)
    if reduction is not None:
        # the size draft() reduces towards, so that it picks exactly this reduction
        image.draft(image.mode, (max(1, width // reduction), max(1, height // reduction)))
        decoded_width, decoded_height = image.size
        if held + decoded_width * decoded_height * per_pixel <= MAX_DECODED_BYTES:
            return None
    return too_large_to_open(name, held / (width * height) + per_pixel / 64)
