"""What a merchant is told when their request moves: one short text per notification kind."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from domain.text import N_

# Keyed by the notify effect's name (the action). %(rma)s is the request's RMA number; any
# other placeholder names a ReturnSnapshot field (a deadline) that the store fills in when it
# writes the notification, so the in-app text and the SMS name the same date.
NOTICE_TEXTS: Mapping[str, str] = MappingProxyType(
    {
        "submit": N_("We have received your return request %(rma)s and will review it shortly."),
        "ask_info": N_(
            "Return request %(rma)s needs more information from you. Please open it and reply."
        ),
        "resubmit": N_(
            "Your reply on return request %(rma)s has been received; it is back in review."
        ),
        "approve": N_(
            "Return request %(rma)s is approved. Please pack the goods and ship them by %(ship_by)s."
        ),
        "reject": N_(
            "Return request %(rma)s was not approved. Open it to see why; you may appeal until %(appeal_deadline)s."
        ),
        "appeal": N_(
            "We have received your appeal on return request %(rma)s; a supervisor will review it."
        ),
        "uphold": N_(
            "Your appeal on return request %(rma)s has been decided: the decision stands."
        ),
        "overturn": N_("Your appeal on return request %(rma)s has been decided in your favour."),
        "cancel": N_("Return request %(rma)s has been cancelled."),
        "expire": N_(
            "Return request %(rma)s has expired because the goods were not shipped by the ship-by date."
        ),
        "ship": N_("We have your tracking number for return request %(rma)s."),
        "receive": N_(
            "We have received the goods for return request %(rma)s and will inspect them."
        ),
        "inspect_pass": N_("The goods for return request %(rma)s passed inspection."),
        "inspect_fail": N_(
            "The goods for return request %(rma)s did not pass inspection. Open it to see why; you may appeal until %(appeal_deadline)s."
        ),
        "ship_replacement": N_("Your replacement for return request %(rma)s has been shipped."),
        "return_to_merchant": N_(
            "The goods for return request %(rma)s have been sent back to you."
        ),
        "refund": N_("The refund for return request %(rma)s has been paid."),
        "close": N_("Return request %(rma)s is closed."),
        # not a transition: the clock's reminder, three days before ship-by (DESIGN §6)
        "expiring_soon": N_(
            "Return request %(rma)s expires at %(ship_by)s unless the goods are shipped by then. Please pack and ship them."
        ),
        "side_case_resolved": N_(
            "Customer service has answered the case you opened on return request %(rma)s. Open it to read the answer."
        ),
    }
)

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def notice_fields(kind: str) -> tuple[str, ...]:
    """The request fields a notice of this kind names (besides its RMA)."""
    return tuple(name for name in _PLACEHOLDER.findall(NOTICE_TEXTS.get(kind, "")) if name != "rma")
