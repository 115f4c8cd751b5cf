"""Human messages that the domain returns untranslated; web/ and workers/ translate them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


def N_(msgid: str) -> str:
    """Mark a string for Babel extraction without translating it here (domain has no locale)."""
    return msgid


@dataclass(frozen=True)
class Text:
    """A translatable message id with named parameters (datetimes, Money, strings).

    The msgid is English with `%(name)s` placeholders; the caller translates the id,
    formats each parameter for the reader's locale and time zone, then interpolates.
    """

    msgid: str
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
