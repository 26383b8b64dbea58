"""Numbers written for people: whole numbers without a decimal point, others to a few significant digits."""

from __future__ import annotations

import math


def short_number(x: float, digits: int = 4) -> str:
    """``x`` as short text: ``"8"`` for a whole number (up to round-off), else ``digits`` significant digits.

    >>> short_number(8.0), short_number(8 / 14), short_number(8 / 3, 3), short_number(float("inf"))
    ('8', '0.5714', '2.67', 'inf')
    """
    if not math.isfinite(x):
        return str(x)
    if abs(x - round(x)) < 1e-9 * max(1.0, abs(x)):
        return str(int(round(x)))
    return f"{x:.{digits}g}"
