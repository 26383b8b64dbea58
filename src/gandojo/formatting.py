"""Numbers written for people: whole numbers without a decimal point, others to a few significant digits."""

from __future__ import annotations

import math
import re
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


_TOKEN = re.compile(r"\s+|[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]|[^\s\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]+")
# Japanese closing marks and small kana stay with what comes before them
_NO_LINE_START = set("、。，．・：；！？）」』】〕ーぁぃぅぇぉっゃゅょァィゥェォッャュョ")


def wrap_wide(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` terminal columns, breaking at spaces and between any two East Asian
    characters (Japanese has no spaces to break at); a closing mark never starts a line.

    >>> wrap_wide("生成器のステップ数。", 8)
    ['生成器の', 'ステップ', '数。']
    >>> wrap_wide("use --steps N to set it", 12)
    ['use --steps', 'N to set it']
    """
    lines: list[str] = []
    line, used = "", 0
    for token in _TOKEN.findall(text):
        if token.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        size = display_width(token)
        if used + size > width and line.strip() and token not in _NO_LINE_START:
            lines.append(line.rstrip())
            line, used = "", 0
        line, used = line + token, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]
