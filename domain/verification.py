"""The verification link an authorization's QR holds (DESIGN §4): the RMA with an HMAC of it,
so a link cannot be forged or guessed for another request, and anyone scanning it learns only
what the verification page shows."""

from __future__ import annotations

import base64
import hashlib
import hmac

from domain.rma import normalise_rma

_PURPOSE = b"verify-authorization:"
_SIGNATURE_BYTES = 12  # 96 bits: far beyond guessing, short enough for a small QR


def _signature(secret: str, rma: str) -> str:
    digest = hmac.new(secret.encode(), _PURPOSE + rma.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:_SIGNATURE_BYTES]).decode().rstrip("=")


def verification_token(secret: str, rma: str) -> str:
    return f"{rma}.{_signature(secret, rma)}"


def rma_of_token(secret: str, token: str) -> str | None:
    """The RMA a genuine token names; None for a forged, altered or malformed one."""
    rma, _, signature = token[:80].partition(".")
    normal = normalise_rma(rma)
    if normal is None or normal != rma or not signature:
        return None
    return rma if hmac.compare_digest(signature, _signature(secret, rma)) else None
