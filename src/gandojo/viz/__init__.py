"""Figures and pictures: training runs (:mod:`.training`), images (:mod:`.images`), transport plans and the
WGAN paper's Example 1 (:mod:`.transport`). Every writer saves a PNG with :func:`save_png`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gandojo.atomic import atomic_write

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def save_png(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` (a ``.png``; parent folders are created), whole or not at all, and return the
    path."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"figures are written as PNG; give a path ending in .png, got {str(path)!r}")
    return atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=110, bbox_inches="tight"), sync=False)
