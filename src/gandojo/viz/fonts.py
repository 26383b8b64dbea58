"""Figures labelled in the reader's language: a font with Japanese glyphs where the language is Japanese.

The font is IPAexGothic from the ``matplotlib-fontja`` package (a dependency, so it is always there); a system
font with Japanese glyphs (Noto Sans CJK JP, IPAexGothic, ...) is used where that package is missing. With neither,
the figures keep their English labels and a warning says why: never boxes in place of characters.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from gandojo import i18n

__all__ = ["figure_font", "in_reader_language", "japanese_font"]

SYSTEM_FONTS = ("Noto Sans CJK JP", "IPAexGothic", "IPAGothic", "Hiragino Sans", "Yu Gothic", "TakaoGothic")
F = TypeVar("F", bound=Callable)


@functools.cache
def japanese_font() -> str | None:
    """The family name of a font with Japanese glyphs that matplotlib can use, or None."""
    from matplotlib import font_manager

    spec = importlib.util.find_spec("matplotlib_fontja")  # found without importing it (its import restyles all)
    if spec is not None and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
            return font_manager.FontProperties(fname=str(path)).get_name()
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in SYSTEM_FONTS if name in names), None)


def figure_font() -> dict[str, object]:
    """matplotlib settings for a figure in the language in use (none in English)."""
    if i18n.current() == "en":
        return {}
    font = japanese_font()
    if font is None:
        return {}
    return {"font.family": [font, "DejaVu Sans"]}  # Japanese from the first, anything it lacks from the second


@contextlib.contextmanager
def reader_language() -> Iterator[None]:
    """Build a figure in the reader's language: with a Japanese font, or in English (with a warning) without one."""
    import matplotlib

    settings = figure_font()
    if i18n.current() != "en" and not settings:
        warnings.warn("no font with Japanese glyphs (pip install matplotlib-fontja, or install fonts-noto-cjk): the "
                      "figures are labelled in English", stacklevel=3)
        with i18n.speaking("en"), matplotlib.rc_context():
            yield
        return
    with matplotlib.rc_context(settings):
        yield


def in_reader_language(build: F) -> F:
    """Decorate a figure builder: its labels in the reader's language, drawn with a font that has their glyphs."""

    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        with reader_language():
            return build(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
