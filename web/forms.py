"""Reading form posts: URL-encoded and multipart bodies as plain dicts, the same with or without htmx."""

from __future__ import annotations

from typing import Annotated

from litestar.enums import RequestEncodingType
from litestar.params import Body

# A URL-encoded form as a dict of strings (for repeated fields read request.form() instead).
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
