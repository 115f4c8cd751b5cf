"""What a merchant is told when their request moves: one short text per notification kind."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from domain.text import N_

# Keyed by the notify effect's name (the action). %(rma)s is the request's RMA number.
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
            "Return request %(rma)s is approved. Please pack the goods and ship them by the date shown on the request."
        ),
        "reject": N_(
            "Return request %(rma)s was not approved. Open it to see why; you may appeal."
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
            "The goods for return request %(rma)s did not pass inspection. Open it to see why; you may appeal."
        ),
        "ship_replacement": N_("Your replacement for return request %(rma)s has been shipped."),
        "return_to_merchant": N_(
            "The goods for return request %(rma)s have been sent back to you."
        ),
        "refund": N_("The refund for return request %(rma)s has been paid."),
        "close": N_("Return request %(rma)s is closed."),
    }
)

SIGN_IN_CODE_TEXT = N_(
    "Your ReturnDesk sign-in code is %(code)s. It is valid for 5 minutes. Do not share it."
)
