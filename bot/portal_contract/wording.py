"""Vietnamese wording both sides write the same way: the portal in its error messages, the
assistant in its replies."""

from __future__ import annotations

import math


def wait_text(seconds: int | None) -> str:
    """How long to wait, in Vietnamese: '25 phút', '3 giờ' (unknown: a few minutes)."""
    if seconds is None:
        return "vài phút"
    minutes = max(math.ceil(seconds / 60), 1)
    if minutes < 120:
        return f"{minutes} phút"
    return f"{math.ceil(minutes / 60)} giờ"
