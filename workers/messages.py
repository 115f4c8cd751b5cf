"""Texts of SMS and e-mail, translated into the recipient's language."""

from __future__ import annotations

from functools import cache

from babel.support import NullTranslations, Translations

from domain.notices import NOTICE_TEXTS
from settings import PROJECT_ROOT


@cache
def _translations(locale: str) -> NullTranslations:
    return Translations.load(str(PROJECT_ROOT / "translations"), [locale], domain="messages")


def translate(msgid: str, locale: str, **params: object) -> str:
    text = _translations(locale).gettext(msgid)
    return text % params if params else text


def notice_text(kind: str, locale: str, rma: str) -> str:
    return translate(NOTICE_TEXTS[kind], locale, rma=rma)
