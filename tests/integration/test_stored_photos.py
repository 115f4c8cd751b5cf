"""A photo is stored as it looks: brought down to the stored size as a whole-image resize would
bring it (though it is made a band of rows at a time), turned upright as the camera meant, and
its colours kept while its profile is dropped."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageCms

from db.evidence import draft_files
from tests.integration import factories
from tests.integration.test_return_form import _start, token


@pytest.fixture
async def merchant(client: Any) -> int:
    merchant_id = await factories.merchant(phone="13812345678")
    await factories.sign_in(client, merchant_id)
    return merchant_id


async def stored_image(client: Any, merchant: int, now: datetime, name: str, data: bytes) -> Any:
    draft_id, _ = await _start(client, merchant, now)
    response = await client.post(
        f"/returns/drafts/{draft_id}/evidence",
        files=[("files", (name, data, "image/*"))],
        data={"_csrf_token": await token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    [row] = await draft_files(draft_id)
    return Image.open(client.app.state.files.directory / row["stored_name"])


def detailed(mode: str, size: tuple[int, int]) -> Image.Image:
    """Sharp edges every 7 pixels in every band (with alpha, transparency that varies), where a
    seam between two bands or a filter cut short would show; blocky, so the PNG stays small."""
    blocks = (size[0] // 7, size[1] // 7)
    bands = [
        Image.effect_noise(blocks, 80).convert("L").resize(size, Image.Resampling.NEAREST)
        for _ in mode
    ]
    return Image.merge(mode, bands)


def encoded(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L"])
async def test_a_large_image_is_kept_as_a_whole_image_resize_would_keep_it(
    client: Any, merchant: int, now: datetime, mode: str
) -> None:
    original = detailed(mode, (4000, 3000))
    kept = await stored_image(client, merchant, now, "screen.png", encoded(original, "PNG"))
    expected = original.resize((3072, 2304), Image.Resampling.LANCZOS)
    assert kept.size == expected.size and kept.mode == mode
    # the same pixels, up to rounding (colour as seen: weighted by its opacity)
    seen = "RGBa" if mode == "RGBA" else mode
    difference = ImageChops.difference(kept.convert(seen), expected.convert(seen))
    assert max(high for _low, high in _extrema(difference)) <= 2


def _extrema(image: Image.Image) -> list[tuple[int, int]]:
    extrema = image.getextrema()
    return [extrema] if isinstance(extrema[0], int) else list(extrema)  # type: ignore[list-item]


async def test_a_photo_taken_sideways_is_stored_upright(
    client: Any, merchant: int, now: datetime
) -> None:
    sensor = Image.new("RGB", (400, 300), (0, 0, 255))
    sensor.paste((255, 0, 0), (0, 0, 200, 300))  # the sensor's left half, the scene's top
    exif = Image.Exif()
    exif[0x0112] = 6  # the phone was held turned a quarter clockwise
    kept = await stored_image(client, merchant, now, "p.jpg", encoded(sensor, "JPEG", exif=exif))
    assert kept.size == (300, 400) and not dict(kept.getexif())
    top, bottom = kept.getpixel((150, 50)), kept.getpixel((150, 350))
    assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0]  # type: ignore[index]


async def test_a_photo_with_a_colour_profile_keeps_its_colours_without_the_profile(
    client: Any, merchant: int, now: datetime
) -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photo = Image.new("RGB", (64, 48), (200, 120, 40))
    kept = await stored_image(
        client, merchant, now, "p.png", encoded(photo, "PNG", icc_profile=srgb)
    )
    assert "icc_profile" not in kept.info
    colour = kept.getpixel((10, 10))
    assert all(abs(a - b) <= 2 for a, b in zip(colour, (200, 120, 40), strict=True))  # type: ignore[arg-type]
