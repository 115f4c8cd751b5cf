"""Numbers, dates and lists of ids from URLs and forms, each parsed once, by one converter with
its bounds: a bad one is a 404 or a 400 (or, for a filter, no filter), never a 500 — no "²", no
20-digit id overflowing the database's integer, no year 9999 overflowing a moment, no hundred
ids where a form holds ten."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from litestar.exceptions import ClientException

from db.errors import NotFound
from domain.return_form import ItemChoice

MAX_ROW_ID = 2**31 - 1  # Serial columns are 32-bit integers in PostgreSQL
_DIGITS = re.compile(r"[0-9]{1,10}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# the days a filter or an export may name: ReturnDesk's own years, with room either side, and
# far from where a day turned into a moment in any time zone leaves what datetime can hold
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


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


def calendar_day(text: object) -> date | None:
    """A day typed as YYYY-MM-DD between FIRST_DAY and LAST_DAY; None for anything else."""
    if not isinstance(text, str) or not _DAY.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:  # 2026-02-30
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


BAD_DAY = "not a day ReturnDesk keeps"  # the detail web.errors words for people


def filter_day(text: object) -> date | None:
    """A day a filter names: None when none is named, 400 for anything that is not a day
    between FIRST_DAY and LAST_DAY (a date field in a browser sends nothing else)."""
    if text is None or text == "":
        return None
    day = calendar_day(text)
    if day is None:
        raise ClientException(BAD_DAY)
    return day


def form_ids(form: Any, field: str, *, most: int) -> list[int]:
    """The row ids a form sends under one name (ticked boxes, files already staged): 400 when
    one is not an id or there are more than the form can hold."""
    values = form.getall(field, [])
    if len(values) > most:
        raise ClientException(f"{field}: more than {most}")
    ids = [whole_number(value) for value in values]
    if any(value is None or value < 1 for value in ids):
        raise ClientException(f"{field} is not an id")
    return [value for value in ids if value is not None]


def optional_id(form: Any, field: str) -> int | None:
    """A row id a form may carry (a side case replied in): None when the field is absent or
    empty, 400 when it holds anything but an id."""
    text = form.get(field)
    if text is None or text == "":
        return None
    value = whole_number(text)
    if value is None or value < 1:
        raise ClientException(f"{field} is not an id")
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
