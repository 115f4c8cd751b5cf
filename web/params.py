"""Numbers from URLs and forms, parsed once, by one converter: a bad one is a 404 or a 400,
never a 500 (no "²", no 20-digit id overflowing the database's integer)."""

from __future__ import annotations

import re
from typing import Any

from litestar.exceptions import ClientException

from db.errors import NotFound
from domain.return_form import ItemChoice

MAX_ROW_ID = 2**31 - 1  # Serial columns are 32-bit integers in PostgreSQL
_DIGITS = re.compile(r"[0-9]{1,10}")


def whole_number(text: object) -> int | None:
    """ASCII digits only, at most ten of them; None for anything else."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if 0 <= text <= MAX_ROW_ID else None
    if not isinstance(text, str) or not _DIGITS.fullmatch(text.strip()):
        return None
    value = int(text.strip())
    return value if value <= MAX_ROW_ID else None


def row_id(text: object) -> int:
    """An id from a URL: 404 for anything that cannot be a row's id (the same as no such row)."""
    value = whole_number(text)
    if value is None or value < 1:
        raise NotFound(text)
    return value


def form_number(text: object, *, field: str) -> int:
    """A number a form must carry (a version, an order id): 400 when it is not one."""
    value = whole_number(text)
    if value is None:
        raise ClientException(f"{field} is not a number")
    return value


def item_choices(form: Any) -> list[ItemChoice]:
    """The items ticked on an order's form (`item` ids, each with `qty-ID` and `sn-ID`)."""
    choices = []
    for value in form.getall("item", [])[:200]:
        item_id = whole_number(value)
        if item_id is not None:
            choices.append(
                ItemChoice(
                    item_id,
                    str(form.get(f"qty-{item_id}", "1"))[:10],
                    str(form.get(f"sn-{item_id}", ""))[:64],
                )
            )
    return choices
