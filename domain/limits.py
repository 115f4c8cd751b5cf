"""How much a person may type in each kind of field: checked on the server, shown where typed."""

from __future__ import annotations

from domain.text import N_, Text

MAX_MESSAGE = 4000  # a message, an answer, an appeal statement, a decision's reason
MAX_DESCRIPTION = 2000  # the problem described in the return form
MAX_SHORT = 60  # a carrier, a tracking number, a payment reference
ORDERS_LISTED = 30  # orders a list offers to choose from; an older one is found by its number


def too_long(limit: int) -> Text:
    return Text(
        N_("Please keep this under %(most)s characters; it is longer now."), {"most": limit}
    )


def over_limit(text: str, limit: int) -> Text | None:
    """The words for a text that is too long, or None."""
    return too_long(limit) if len(text.strip()) > limit else None
