"""Serial numbers (SN) as units carry them: one normal form, one shape."""

from __future__ import annotations

import re

SERIAL_SHAPE = re.compile(r"[A-Z0-9]{4,64}")


def normalise_serial(text: str) -> str:
    """What was typed or scanned, without spaces or dashes, in capitals."""
    return re.sub(r"[\s\-]", "", text or "").upper()
