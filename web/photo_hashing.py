"""A photo's perceptual hashes (domain.photo_hash says which crops and why), taken in the image
process when the upload is checked, from the upright, sRGB photo at its stored size."""

from __future__ import annotations

import imagehash
import numpy
from PIL import Image, ImageStat

from domain.photo_hash import QUERY_CROPS, STORED_CROPS, Crop, PhotoHash, PhotoHashes

# the hashes read 32 × 32 (pHash) and 9 × 8 (dHash) pixels: a copy this large keeps every crop
# sharp enough and costs a few ms, where hashing the stored photo 12 times would cost 100s
_WORKING_SIZE = 512
# a photo whose grey levels spread less than this (a blank wall, a black frame, a flat test
# card) has no features to tell it from another: every such photo would "match" every other
_FLAT_SPREAD = 6.0


def photo_hashes(image: Image.Image) -> PhotoHashes | None:
    """The hashes of every stored and query crop; None for a photo without features."""
    working = image.convert("L")
    working.thumbnail((_WORKING_SIZE, _WORKING_SIZE), Image.Resampling.LANCZOS)
    if ImageStat.Stat(working).stddev[0] < _FLAT_SPREAD:
        return None
    return PhotoHashes(
        stored=tuple(_hash(_cropped(working, crop)) for crop in STORED_CROPS),
        query=tuple(_hash(_cropped(working, crop)) for crop in QUERY_CROPS),
    )


def _cropped(image: Image.Image, crop: Crop) -> Image.Image:
    width, height = image.size
    left, top, right, bottom = crop
    box = (round(width * left), round(height * top),
           round(width * (1 - right)), round(height * (1 - bottom)))  # fmt: skip
    return image.crop(box) if box != (0, 0, width, height) else image


def _hash(image: Image.Image) -> PhotoHash:
    return PhotoHash(_bits(_phash(image)), _bits(imagehash.dhash(image)))


# imagehash's pHash, its DCT-II taken as a product with this 32 × 32 matrix rather than through
# SciPy, which imagehash imports for it: SciPy's FFT modules would add about 27 MB to every image
# process (measured), under the 400 MB the server and its children are held to. The same bits
# as imagehash.phash (tests/unit/test_photo_hashes.py compares them).
_SIDE = 32
_DCT = 2 * numpy.cos(
    numpy.pi * numpy.outer(numpy.arange(_SIDE), 2 * numpy.arange(_SIDE) + 1) / (2 * _SIDE)
)


def _phash(image: Image.Image) -> imagehash.ImageHash:
    pixels = numpy.asarray(image.convert("L").resize((_SIDE, _SIDE), Image.Resampling.LANCZOS))
    low = (_DCT @ pixels @ _DCT.T)[:8, :8]
    return imagehash.ImageHash(low > numpy.median(low))


def _bits(value: imagehash.ImageHash) -> int:
    return int(str(value), 16)
