"""Words for a reader in their language: the Babel catalogs, dates in their time zone, money,
and domain messages (domain.text.Text) filled in. Shared by web/ (pages) and workers/ (SMS,
e-mail, documents), so a date reads the same on a page and in the SMS about it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.support import NullTranslations, Translations

from domain.labels import STATE_LABELS
from domain.money import Money
from domain.terms import State
from domain.text import Text
from settings import PROJECT_ROOT

LOCALES = ("zh_CN", "en")  # the first is the default
_DATE_FORMATS = {"zh_CN": "M月d日 HH:mm", "en": "d MMM HH:mm"}
_DAY_FORMATS = {"zh_CN": "M月d日", "en": "d MMM"}
_FULL_FORMATS = {"zh_CN": "y年M月d日 HH:mm", "en": "d MMM y, HH:mm"}  # documents outlive the year


@cache
def translations(locale: str) -> NullTranslations:
    return Translations.load(str(PROJECT_ROOT / "translations"), [locale], domain="messages")


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def format_when(value: datetime, locale: str, timezone: str, *, with_time: bool = True) -> str:
    """Dates that decide rights are shown with the hour they end, in the reader's time zone;
    a no-break space keeps "10 Dec 18:00" on one line in narrow places."""
    pattern = (_DATE_FORMATS if with_time else _DAY_FORMATS).get(locale, _DATE_FORMATS["zh_CN"])
    text = format_datetime(value, pattern, tzinfo=zone(timezone), locale=locale)
    return text.replace(" ", "\u00a0")


def format_full(value: datetime, locale: str, timezone: str) -> str:
    """A date with its year and hour, as a printed document states it."""
    pattern = _FULL_FORMATS.get(locale, _FULL_FORMATS["zh_CN"])
    return format_datetime(value, pattern, tzinfo=zone(timezone), locale=locale)


def stored_value(value: object) -> object:
    """A value as JSON columns keep it ({"datetime": iso}, {"fen": n}) back as a domain value."""
    if isinstance(value, dict) and "datetime" in value:
        return datetime.fromisoformat(str(value["datetime"]))
    if isinstance(value, dict) and "fen" in value:
        return Money(int(value["fen"]))
    return value


def render(text: Text, locale: str, timezone: str) -> str:
    """Translate a domain message and format each parameter for the reader."""
    params = readable_params(text.params, locale, timezone)
    message = translations(locale).gettext(text.msgid)
    return message % params if params else message


def readable_params(
    raw_params: Mapping[str, object], locale: str, timezone: str
) -> dict[str, object]:
    """A message's parameters as the reader reads them: dates in their time zone, money,
    state names and labels in their language."""
    catalog = translations(locale)
    params: dict[str, object] = {}
    for name, raw in raw_params.items():
        value = stored_value(raw)
        if isinstance(value, datetime):
            params[name] = format_when(value, locale, timezone)
        elif isinstance(value, Money):
            params[name] = str(value)
        elif isinstance(value, State):
            params[name] = catalog.gettext(STATE_LABELS[value])
        elif isinstance(value, str) and name.endswith("_label"):
            params[name] = catalog.gettext(value)
        else:
            params[name] = value
    return params
