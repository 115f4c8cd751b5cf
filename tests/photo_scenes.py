"""Photos for the re-used-photo checks: scenes like a merchant's evidence (a dark terminal with a
lit screen and keypad on a textured counter, things beside it, sensor noise), each different
in layout and colour, and the variants someone re-using a photo would make of one."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from io import BytesIO

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter

SIZE = (1200, 900)


def scene(seed: int) -> Image.Image:
    rng = random.Random(seed)
    width, height = SIZE
    ground = tuple(rng.randint(150, 235) for _ in range(3))
    image = Image.new("RGB", SIZE, ground)  # type: ignore[arg-type]
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(20, 80)):  # the counter's grain and clutter
        x, y = rng.randrange(width), rng.randrange(height)
        shade = tuple(max(0, min(255, v + rng.randint(-40, 40))) for v in ground)
        end = (x + rng.randint(-300, 300), y + rng.randint(-220, 220))
        draw.line((x, y, *end), fill=shade, width=rng.randint(2, 24))  # type: ignore[arg-type]
    for _ in range(rng.randint(2, 8)):
        x, y = rng.randrange(width), rng.randrange(height)
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        draw.ellipse((x, y, x + rng.randint(40, 380), y + rng.randint(40, 300)), fill=colour)  # type: ignore[arg-type]
    _terminal(draw, rng)
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    noise = Image.effect_noise(SIZE, 12).convert("RGB")
    return Image.blend(image, noise, 0.08)


def _terminal(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    width, height = SIZE
    body_w, body_h = rng.randint(260, 450), rng.randint(450, 680)
    x, y = rng.randint(80, width - body_w - 80), rng.randint(40, height - body_h - 40)
    draw.rounded_rectangle((x, y, x + body_w, y + body_h), 30, fill=(rng.randint(10, 60),) * 3)
    screen = (rng.randint(120, 200), rng.randint(180, 240), 255)
    draw.rectangle((x + 30, y + 45, x + body_w - 30, y + body_h // 2), fill=screen)
    for col, row in itertools.product(range(3), range(4)):
        key_x = x + 45 + col * (body_w - 90) // 3
        key_y = y + body_h // 2 + 30 + row * (body_h // 2 - 60) // 4
        draw.rectangle((key_x, key_y, key_x + (body_w - 120) // 3, key_y + 30), fill=(200,) * 3)


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    out = BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def phone_photo(seed: int) -> bytes:
    """A scene as a 12 MP phone camera saves it: 4000 × 3000 with its sensor noise, JPEG 92 —
    about 4 MB, as a phone's photo of a counter is."""
    sharp = scene(seed).resize((4000, 3000))
    noise = Image.effect_noise(sharp.size, 8).convert("RGB")
    return jpeg(ImageChops.add(sharp, noise, scale=1.0, offset=-128), 92)


def _opened(content: bytes) -> Image.Image:
    return Image.open(BytesIO(content)).convert("RGB")


def _crop(image: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    width, height = image.size
    box = (
        int(width * left),
        int(height * top),
        int(width * (1 - right)),
        int(height * (1 - bottom)),
    )
    return image.crop(box)


# what someone re-using another merchant's photo does to it
VARIANTS: dict[str, Callable[[Image.Image], bytes]] = {
    "re-saved at quality 60": lambda im: jpeg(_opened(jpeg(im)), 60),
    "resized to half": lambda im: jpeg(im.resize((im.width // 2, im.height // 2))),
    "recoloured": lambda im: jpeg(ImageEnhance.Color(im).enhance(0.6)),
    "brightened": lambda im: jpeg(ImageEnhance.Brightness(im).enhance(1.15)),
    "cropped 4% all round": lambda im: jpeg(_crop(im, 0.04, 0.04, 0.04, 0.04)),
    "cropped 8% off the right and bottom": lambda im: jpeg(_crop(im, 0, 0, 0.08, 0.08)),
    "cropped 6% off the top, re-saved": lambda im: jpeg(
        _opened(jpeg(_crop(im, 0, 0.06, 0, 0))), 60
    ),
    "cropped 5% off the left, recoloured": lambda im: jpeg(
        ImageEnhance.Color(_crop(im, 0.05, 0, 0, 0)).enhance(0.7)
    ),
}
