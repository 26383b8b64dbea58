"""Numbers written for people: whole numbers without a decimal point, others to a few significant digits."""

from __future__ import annotations

import math
import unicodedata


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


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide (East Asian) characters take two.

    >>> display_width("mode"), display_width("モード")
    (4, 6)
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns (``f"{text:<{width}}"`` for any script).

    >>> pad("モード", 8) + "|"
    'モード  |'
    """
    return text + " " * max(width - display_width(text), 0)
