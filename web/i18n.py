"""Language of the page: chosen per request, remembered in a cookie, applied through Babel catalogs."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import texts
from domain.text import Text
from texts import LOCALES, translations

_current: ContextVar[str] = ContextVar("locale", default=LOCALES[0])
_display_timezone = "Asia/Shanghai"


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
    texts.zone(name)  # an unknown zone fails here, at start-up, not on a page
    _display_timezone = name


def display_zone() -> ZoneInfo:
    return texts.zone(_display_timezone)


def machine_time(value: datetime) -> str:
    """A <time datetime> value: UTC to the second (HTML allows at most three decimals)."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def format_when(value: datetime, *, with_time: bool = True) -> str:
    return texts.format_when(value, current_locale(), _display_timezone, with_time=with_time)


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
        "iso": machine_time(value),
    }


def render_text(text: Text) -> str:
    """Translate a domain message and format its parameters for the reader of this page."""
    return texts.render(text, current_locale(), _display_timezone)


def local_day_start(day: date) -> datetime:
    """The moment a calendar day begins where times are shown (TIMEZONE), in UTC."""
    return datetime.combine(day, time(), tzinfo=texts.zone(_display_timezone)).astimezone(UTC)


def local_time(value: datetime) -> datetime:
    return value.astimezone(texts.zone(_display_timezone))
