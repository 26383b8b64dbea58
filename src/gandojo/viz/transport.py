"""Figures for the Wasserstein toolkit: a transport plan drawn as arrows, and the WGAN paper's Example 1.

Every function writes a PNG and returns its path. Figures are built on ``matplotlib.figure.Figure``
directly (the Agg renderer, no pyplot state, no display needed).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from gandojo.distances import TransportResult
from gandojo.formatting import short_number
from gandojo.i18n import _
from gandojo.lessons import parallel_lines
from gandojo.viz import save_png
from gandojo.viz.fonts import in_reader_language

__all__ = ["plot_parallel_lines", "plot_transport", "transport_figure"]


def plot_transport(result: TransportResult, path: str | Path, *, labels: tuple[str, str] = ("P", "Q"),
                   title: str | None = None) -> Path:
    """Write :func:`transport_figure` to ``path`` (a ``.png``); returns the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from gandojo.distances import transport
    >>> r = transport([6, 4, 3, 1], [3, 4, 4, 3], positions=[1, 2, 3, 4])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = plot_transport(r, pathlib.Path(tmp) / "plan.png")
    ...     out.stat().st_size > 0
    True
    """
    return save_png(transport_figure(result, labels=labels, title=title), path)


@in_reader_language
def transport_figure(result: TransportResult, *, labels: tuple[str, str] = ("P", "Q"),
                     title: str | None = None) -> Figure:
    """Draw P as bars pointing up, Q as bars pointing down, and the plan's moves as arrows between them.

    Arrow width grows with the amount moved, and each arrow is labelled with it; mass that stays in its
    cell gets no arrow. The title gives the plan's raw cost and its cost per unit of mass.

    Parameters
    ----------
    result : TransportResult
        From :func:`gandojo.distances.transport` (the optimal plan) or
        :func:`gandojo.distances.score_plan` (a given one). Cells are placed at their positions when
        these are 1-D, otherwise at 1, 2, ....
    labels : (str, str)
        Names of the two histograms in the legend.
    title : str, optional
        Replaces the default title.

    Returns
    -------
    Figure
    """
    n, m = result.plan.shape
    if result.positions is not None and result.positions.shape[1] == 1:
        xa = xb = result.positions[:, 0]
    else:
        xa, xb = np.arange(1.0, n + 1), np.arange(1.0, m + 1)
    xs = np.unique(np.concatenate([xa, xb]))
    spacing = float(np.min(np.diff(xs))) if len(xs) > 1 else 1.0
    width = 0.6 * spacing
    top = float(max(result.a.max(), result.b.max()))
    gap = 0.35 * top  # room between the two rows of bars for the arrows

    fig = Figure(figsize=(max(5.0, 0.9 * len(xs) + 2), 4.8))
    ax = fig.add_subplot()
    ax.bar(xa, result.a, width=width, bottom=gap, color="tab:blue", alpha=0.75, label=labels[0])
    ax.bar(xb, -result.b, width=width, bottom=-gap, color="tab:orange", alpha=0.75, label=labels[1])
    for x, h in zip(xa, result.a, strict=True):
        if h > 0:
            ax.text(x, gap + h, short_number(h, 3), ha="center", va="bottom", fontsize=8)
    for x, h in zip(xb, result.b, strict=True):
        if h > 0:
            ax.text(x, -gap - h, short_number(h, 3), ha="center", va="top", fontsize=8)

    flows = result.flows
    biggest = max((f.amount for f in flows), default=1.0)
    placed: list[tuple[float, float]] = []
    for f in flows:
        x0, x1 = xa[f.source], xb[f.target]
        lw = 1.0 + 5.0 * f.amount / biggest
        arrow = FancyArrowPatch((x0, gap), (x1, -gap), arrowstyle="-|>", mutation_scale=10 + 2 * lw,
                                lw=lw, color="tab:green", alpha=0.8, shrinkA=0, shrinkB=0)
        ax.add_patch(arrow)
        # The label sits on its arrow, at the first point along it that is clear of the labels placed so far
        # (crossing arrows would otherwise put their labels on top of each other).
        for t in (0.5, 0.3, 0.7, 0.4, 0.6, 0.2, 0.8):
            x, y = x0 + t * (x1 - x0), gap - t * 2 * gap
            if all(abs(x - u) > 0.45 * spacing or abs(y - v) > 0.3 * gap for u, v in placed):
                break
        placed.append((x, y))
        ax.text(x, y, short_number(f.amount, 3), fontsize=8, ha="center", va="center", color="darkgreen",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})

    ax.axhline(gap, color="grey", lw=0.5)
    ax.axhline(-gap, color="grey", lw=0.5)
    ax.set_xticks(xs)
    ax.set_xticklabels([short_number(x, 3) for x in xs])
    ax.set_yticks([])
    ax.set_ylim(-gap - 1.25 * top, gap + 1.25 * top)
    ax.set_xlim(xs.min() - spacing, xs.max() + spacing)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)  # outside: never over a bar
    kind = _("optimal plan") if result.optimal else _("given plan")
    ax.set_title(title or _("{kind}: cost {cost} (= {mass} mass x {per:.4g} per unit), {moves} moves").format(
        kind=kind, cost=short_number(result.distance, 3), mass=short_number(result.mass, 3),
        per=result.normalized("mass"), moves=len(flows)), fontsize=9)
    return fig


@in_reader_language
def plot_parallel_lines(path: str | Path, *, theta_range: tuple[float, float] = (-1.0, 1.0),
                        num: int = 401) -> Path:
    """The WGAN paper's Example 1 in three panels: the two lines, W/JS/KL/TV against θ, and their gradients.

    P0 is the segment {0} × [0, 1] and Pθ the segment {θ} × [0, 1]. W = |θ| grows smoothly with the
    gap, with gradient ±1 pointing back to θ = 0; JS (log 2), TV (1) and KL (+∞) are constant away
    from θ = 0, so their gradient is 0 and carries no information about where to move.

    Parameters
    ----------
    path : str or Path
        The PNG to write.
    theta_range : (float, float)
        The θ interval on the horizontal axis, low < high.
    num : int
        Number of θ values (at least 3).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     plot_parallel_lines(pathlib.Path(tmp) / "example1.png").stat().st_size > 0
    True
    """
    lo, hi = (float(v) for v in theta_range)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"theta_range must be two finite numbers low < high, got {theta_range!r}")
    if isinstance(num, bool) or not isinstance(num, int) or num < 3:
        raise ValueError(f"num must be an integer >= 3, got {num!r}")
    theta = np.linspace(lo, hi, num)
    if lo < 0 < hi and not (theta == 0).any():
        theta = np.sort(np.append(theta, 0.0))  # include the jump at θ = 0
    r = parallel_lines(theta)
    off = theta != 0

    fig = Figure(figsize=(12, 3.8))
    ax0, ax1, ax2 = fig.subplots(1, 3, gridspec_kw={"width_ratios": [0.8, 1.2, 1.2]})

    shown = hi if hi != 0 else lo
    shown = 0.6 * shown
    ax0.plot([0, 0], [0, 1], color="tab:blue", lw=3, label="$P_0$: (0, Z)")
    ax0.plot([shown, shown], [0, 1], color="tab:orange", lw=3, label=r"$P_\theta$: (θ, Z)")
    ax0.annotate("", (shown, 0.5), (0, 0.5), arrowprops={"arrowstyle": "<->", "color": "grey"})
    ax0.text(shown / 2, 0.53, f"θ = {shown:.2g}", ha="center", va="bottom", fontsize=8)
    ax0.set_xlim(min(lo, 0) - 0.2 * (hi - lo), max(hi, 0) + 0.2 * (hi - lo))
    ax0.set_ylim(-0.1, 1.25)
    ax0.set_xlabel("x")
    ax0.set_ylabel("Z ~ U[0, 1]")
    ax0.legend(loc="upper center", fontsize=7, ncol=2)
    ax0.set_title(_("two parallel lines"), fontsize=9)

    def piecewise(ax, values, at_zero, color, label):
        ax.plot(np.where(off & (theta < 0), theta, np.nan), values, color=color, label=label)
        ax.plot(np.where(off & (theta > 0), theta, np.nan), values, color=color)
        if (~off).any() and np.isfinite(values[off]).all():
            ax.plot([0], [values[off][0]], "o", mfc="white", color=color, ms=5)
            ax.plot([0], [at_zero], "o", color=color, ms=5)

    ax1.plot(theta, r.w, color="tab:red", lw=2, label="W = |θ|")
    piecewise(ax1, r.js, 0.0, "tab:blue", "JS = log 2")
    piecewise(ax1, r.tv, 0.0, "tab:purple", "TV = 1")
    kl_top = max(1.4, float(np.max(r.w)) * 1.1)
    ax1.plot(theta[off], np.full(off.sum(), kl_top), ls="--", color="tab:gray", label="KL = +∞ (θ ≠ 0)")
    ax1.set_ylim(-0.05, kl_top * 1.08)
    ax1.set_xlabel("θ")
    ax1.set_title(_("distance between $P_0$ and $P_\\theta$"), fontsize=9)
    ax1.legend(fontsize=7, loc="lower left")

    ax2.plot(np.where(off, theta, np.nan), r.grad_w, color="tab:red", lw=2, label="dW/dθ = sign θ")
    ax2.plot(theta, r.grad_js, color="tab:blue", lw=3, alpha=0.5, label="dJS/dθ = 0")
    ax2.plot(theta, r.grad_tv, color="tab:purple", ls=":", label="dTV/dθ = 0")
    ax2.plot(theta, r.grad_kl, color="tab:gray", ls="--", label="dKL/dθ = 0")
    ax2.set_ylim(-1.3, 1.3)
    ax2.set_xlabel("θ")
    ax2.set_title(_("gradient with respect to θ: only W points back to θ = 0"), fontsize=9)
    ax2.legend(fontsize=7, loc="upper left")
    for ax in (ax1, ax2):
        ax.axvline(0, color="grey", lw=0.5)
        ax.grid(alpha=0.3)
    return save_png(fig, path)
