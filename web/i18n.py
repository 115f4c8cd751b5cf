"""Language of the page: chosen per request, remembered in a cookie, applied through Babel catalogs."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
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
LANG_COOKIE = "lang"
_current: ContextVar[str] = ContextVar("locale", default=LOCALES[0])
_DATE_FORMATS = {"zh_CN": "M月d日 HH:mm", "en": "d MMM HH:mm"}
_display_timezone = ZoneInfo("Asia/Shanghai")
_DAY_FORMATS = {"zh_CN": "M月d日", "en": "d MMM"}


@cache
def translations(locale: str) -> NullTranslations:
    return Translations.load(str(PROJECT_ROOT / "translations"), [locale], domain="messages")


def choose_locale(cookie: str | None, accept_language: str | None) -> str:
    """The remembered choice first, then the browser's first language we speak, else Chinese."""
    if cookie in LOCALES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return LOCALES[0]


def html_lang(locale: str) -> str:
    return locale.replace("_", "-")


def set_locale(locale: str) -> None:
    _current.set(locale)


def current_locale() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translations(current_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, n)


def set_display_timezone(name: str) -> None:
    """The time zone pages show times in (TIMEZONE); set once when the app is created."""
    global _display_timezone
    _display_timezone = ZoneInfo(name)


def format_when(value: datetime, *, with_time: bool = True) -> str:
    """Dates that decide rights are shown with the hour they end, in the reader's time zone."""
    locale = current_locale()
    pattern = (_DATE_FORMATS if with_time else _DAY_FORMATS)[locale]
    # a no-break space keeps "10 Dec 18:00" on one line in narrow places
    text = format_datetime(value, pattern, tzinfo=_display_timezone, locale=locale)
    return text.replace(" ", "\u00a0")


def deadline(value: datetime, now: datetime | None = None, *, mine: bool = True) -> dict[str, str]:
    """A deadline chip's words: "3 days left", the exact time, and its tone (UI.md: warning at
    three days or less, danger once passed). A deadline that is ours to keep (mine=False, e.g.
    the review SLA) stays neutral: the colours tell the reader that they must act."""
    now = now or datetime.now(UTC)
    left = value - now
    if left.total_seconds() < 0:
        text, tone = gettext("Overdue"), "danger"
    elif left < timedelta(days=1):
        hours = max(1, int(left.total_seconds() // 3600))
        text, tone = (
            ngettext("%(num)d hour left", "%(num)d hours left", hours) % {"num": hours},
            "warning",
        )
    else:
        days = left.days
        text = ngettext("%(num)d day left", "%(num)d days left", days) % {"num": days}
        tone = "warning" if left <= timedelta(days=3) else ""
    return {
        "text": text,
        "exact": format_when(value),
        "tone": tone if mine else "",
        "iso": value.isoformat(),
    }


def render_text(text: Text) -> str:
    """Translate a domain message and format its parameters for the reader."""
    params: dict[str, object] = {}
    for name, value in text.params.items():
        if isinstance(value, datetime):
            params[name] = format_when(value)
        elif isinstance(value, Money):
            params[name] = str(value)
        elif isinstance(value, State):
            params[name] = gettext(STATE_LABELS[value])
        else:
            params[name] = (
                gettext(value) if isinstance(value, str) and name.endswith("_label") else value
            )
    message = gettext(text.msgid)
    return message % params if params else message
