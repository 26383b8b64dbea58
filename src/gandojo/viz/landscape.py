"""D's landscape at a few moments of a run, as the play page draws it: D's reading over the plane as a heat map,
the real samples, G's samples of one fixed noise batch and the arrows of G's gradient (where each sample is
pushed). A row of panels, one per moment, sharing the colour scale, so that a collapse is seen and not only
tabulated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from gandojo.i18n import _
from gandojo.viz import save_png
from gandojo.viz.fonts import in_reader_language

__all__ = ["Moment", "landscape_figure", "plot_landscapes"]


@dataclass(frozen=True)
class Moment:
    """One moment of a run: its generator ``step``, D's reading ``heat`` (grid, grid) over the box ``lo``..``hi``
    (row 0 at the top), G's samples ``fake`` (N, 2) and the push on each, ``grad`` (N, 2)."""

    step: int
    heat: np.ndarray
    fake: np.ndarray
    grad: np.ndarray
    lo: tuple[float, float]
    hi: tuple[float, float]


def plot_landscapes(moments: list[Moment], real: np.ndarray, path: str | Path, *, score_label: str,
                    title: str = "") -> Path:
    """Write :func:`landscape_figure` to ``path``."""
    return save_png(landscape_figure(moments, real, score_label=score_label, title=title), path)


@in_reader_language
def landscape_figure(moments: list[Moment], real: np.ndarray, *, score_label: str, title: str = "") -> Figure:
    """One panel per moment (2-D data): the heat map of D, real samples (green), G's samples (purple) and their
    arrows; one colour bar for all, labelled ``score_label`` (``D(x)`` or the critic's ``f(x)``)."""
    lows = min(float(m.heat.min()) for m in moments)
    highs = max(float(m.heat.max()) for m in moments)
    fig = Figure(figsize=(3.3 * len(moments) + 0.8, 3.5))
    axes = fig.subplots(1, len(moments), squeeze=False)[0]
    image = None
    for ax, m in zip(axes, moments, strict=True):
        extent = (m.lo[0], m.hi[0], m.lo[1], m.hi[1])
        image = ax.imshow(m.heat, extent=extent, cmap="RdBu_r", vmin=lows, vmax=highs, alpha=0.55,
                          interpolation="bilinear", aspect="auto")
        ax.scatter(real[:, 0], real[:, 1], s=2, color="tab:green", alpha=0.35)
        ax.scatter(m.fake[:, 0], m.fake[:, 1], s=5, color="tab:purple")
        span = max(m.hi[0] - m.lo[0], m.hi[1] - m.lo[1])
        norms = np.linalg.norm(m.grad, axis=1)
        scale = 0.08 * span / max(float(np.percentile(norms, 90)), 1e-12)  # the longest arrows ~8% of the box
        ax.quiver(m.fake[:, 0], m.fake[:, 1], m.grad[:, 0] * scale, m.grad[:, 1] * scale, angles="xy",
                  scale_units="xy", scale=1, width=0.004, color="black", alpha=0.6)
        ax.set_xlim(m.lo[0], m.hi[0])
        ax.set_ylim(m.lo[1], m.hi[1])
        ax.set_title(_("step {step}").format(step=m.step), fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(image, ax=list(axes), fraction=0.02, pad=0.01, label=score_label)
    fig.suptitle(title + _(" (green: real, purple: G, arrows: where G pushes each sample)"), fontsize=9)
    return fig
