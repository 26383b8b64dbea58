"""Figures of a training run: generated-vs-real snapshots of point data, and the training curves (losses,
D's outputs, the Wasserstein estimate against the exact W, mode coverage, the Fréchet distance).

Figures are built with ``matplotlib.figure.Figure`` directly (no pyplot state, no display needed); each
``*_figure`` function returns the figure and its writer saves it as a PNG.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from gandojo.i18n import _
from gandojo.viz import save_png
from gandojo.viz.fonts import in_reader_language

__all__ = ["panels_figure", "points_figure", "points_snapshot", "smooth", "training_curves", "training_figure"]


def points_snapshot(generated: np.ndarray, real: np.ndarray, path: str | Path, *, title: str = "",
                    centers: np.ndarray | None = None, names: tuple[str, ...] | None = None) -> Path:
    """Write :func:`points_figure` to ``path``."""
    return save_png(points_figure(generated, real, title=title, centers=centers, names=names), path)


@in_reader_language
def points_figure(generated: np.ndarray, real: np.ndarray, *, title: str = "", centers: np.ndarray | None = None,
                  names: tuple[str, ...] | None = None) -> Figure:
    """2-D: generated points over real points (and mode centres, labelled with ``names`` when there are at
    most 8). 1-D: overlaid histograms. Points of more than two dimensions show dimensions 1 and 2, and
    the axes say so."""
    generated = np.asarray(generated).reshape(len(generated), -1)
    real = np.asarray(real).reshape(len(real), -1)
    fig = Figure(figsize=(4.5, 4.2))
    ax = fig.add_subplot()
    if generated.shape[1] == 1:
        lo = np.nanmin([real.min(), np.nanmin(generated)]) if np.isfinite(generated).any() else real.min()
        hi = np.nanmax([real.max(), np.nanmax(generated)]) if np.isfinite(generated).any() else real.max()
        bins = np.linspace(lo, hi, 60)
        ax.hist(real[:, 0], bins=bins, density=True, alpha=0.5, label=_("real"), color="tab:blue")
        ax.hist(generated[np.isfinite(generated[:, 0]), 0], bins=bins, density=True, alpha=0.5,
                label=_("generated"), color="tab:orange")
        ax.set_xlabel("x")
    else:
        ax.scatter(real[:, 0], real[:, 1], s=3, alpha=0.3, label=_("real"), color="tab:blue")
        ax.scatter(generated[:, 0], generated[:, 1], s=3, alpha=0.5, label=_("generated"), color="tab:orange")
        if centers is not None:
            ax.scatter(centers[:, 0], centers[:, 1], marker="x", color="black", s=30, label=_("mode centres"))
            if names is not None and len(names) <= 8:
                for (cx, cy), name in zip(centers[:, :2], names, strict=True):
                    ax.annotate(name, (cx, cy), xytext=(6, 6), textcoords="offset points", fontsize=8)
        ax.set_aspect("equal", adjustable="datalim")
        dims = generated.shape[1]
        ax.set_xlabel("x1" if dims == 2 else _("dimension 1 of {d}").format(d=dims))
        ax.set_ylabel("x2" if dims == 2 else _("dimension 2 of {d}").format(d=dims))
    legend = ax.legend(loc="upper right", fontsize=7)
    for handle in legend.legend_handles:  # one readable marker size, whatever the points' size
        if hasattr(handle, "set_sizes"):
            handle.set_sizes([20])
    ax.set_title(title, fontsize=9)
    return fig


def _series(records: list[dict[str, Any]], key: str) -> tuple[np.ndarray, np.ndarray]:
    pts = [(r["step"], r[key]) for r in records if r.get(key) is not None]
    if not pts:
        return np.array([]), np.array([])
    steps, values = zip(*pts, strict=True)
    return np.asarray(steps), np.asarray(values, dtype=float)


def smooth(values: np.ndarray, window: int = 10) -> np.ndarray:
    """Trailing moving average (the same length as ``values``)."""
    if len(values) == 0:
        return values
    kernel = np.ones(min(window, len(values)))
    total = np.convolve(values, kernel)[: len(values)]
    count = np.convolve(np.ones(len(values)), kernel)[: len(values)]
    return total / count


def training_curves(records: list[dict[str, Any]], path: str | Path, *, title: str = "") -> Path:
    """Write :func:`training_figure` to ``path``."""
    return save_png(training_figure(records, title=title), path)


@in_reader_language
def training_figure(records: list[dict[str, Any]], *, title: str = "") -> Figure:
    """Losses, D's outputs, and when logged: the Wasserstein estimate against the exact W, mode coverage
    with high quality (points with known modes), the Fréchet distance with its floor (digits)."""
    wasserstein = any(r.get("w_estimate") is not None for r in records)
    has_w = wasserstein or any(r.get("w_exact") is not None for r in records)
    has_modes = any(r.get("modes_covered") is not None for r in records)
    has_frechet = any(r.get("frechet") is not None for r in records)
    panels = 2 + int(has_w) + int(has_modes) + int(has_frechet)
    fig = Figure(figsize=(4.2 * panels, 3.6))
    axes = list(fig.subplots(1, panels))
    ax = axes.pop(0)
    for key, label in (("loss_d", _("D / critic loss")), ("loss_g", _("G loss")), ("value", "V(D, G)")):
        steps, values = _series(records, key)
        if len(steps):
            ax.plot(steps, values, label=label, lw=1)
    ax.set_xlabel(_("generator step"))
    ax.set_title(_("losses"), fontsize=9)
    ax.legend(fontsize=7)
    ax = axes.pop(0)
    for key, label in (("d_real", "D(x)"), ("d_fake", "D(G(z))")):
        steps, values = _series(records, key)
        if len(steps):
            ax.plot(steps, values, label=label + (_(" (critic score)") if wasserstein else ""), lw=1)
    if not wasserstein:
        ax.axhline(0.5, color="grey", lw=0.5, ls="--")
    ax.set_xlabel(_("generator step"))
    ax.set_title(_("discriminator outputs (means)"), fontsize=9)
    ax.legend(fontsize=7)
    if has_w:
        ax = axes.pop(0)
        steps, values = _series(records, "w_estimate")
        if len(steps):
            ax.plot(steps, values, lw=0.5, alpha=0.3, color="tab:purple")
            ax.plot(steps, smooth(values, 20), lw=1.2, color="tab:purple", label=_("critic estimate (smoothed)"))
        steps, values = _series(records, "w_exact")
        if len(steps):
            ax.plot(steps, values, "o-", ms=3, color="black", label=_("exact W1 (samples)"))
        ax.set_xlabel(_("generator step"))
        ax.set_title(_("Wasserstein distance"), fontsize=9)
        ax.legend(fontsize=7)
    if has_modes:
        ax = axes.pop(0)
        steps, values = _series(records, "modes_covered")
        total = next(r["modes_total"] for r in records if r.get("modes_total") is not None)
        covered = ax.plot(steps, values, "o-", ms=3, label=_("modes covered"))
        ax.axhline(total, color="grey", lw=0.5, ls="--")
        ax.set_ylim(0, total * 1.1)
        ax.set_xlabel(_("generator step"))
        ax.set_ylabel(_("modes covered (of {total})").format(total=total))
        ax.set_title(_("mode coverage and sample quality"), fontsize=9)
        ax2 = ax.twinx()
        steps, values = _series(records, "high_quality")
        quality = ax2.plot(steps, 100 * values, "s--", ms=2, color="tab:green", label=_("high quality (%)"))
        ax2.set_ylim(0, 110)
        ax2.set_ylabel(_("high-quality samples (%)"))
        _legend_below(ax, covered + quality)
    if has_frechet:
        ax = axes.pop(0)
        steps, values = _series(records, "frechet")
        lines = ax.plot(steps, values, "o-", ms=3, color="tab:red", label=_("Fréchet distance"))
        floor = next(r["frechet_floor"] for r in records if r.get("frechet_floor") is not None)
        floor_label = _("floor (real vs real, {floor:.1f})").format(floor=floor)
        lines += [ax.axhline(floor, color="grey", lw=0.8, ls="--", label=floor_label)]
        ax.set_ylim(0, None)
        ax.set_xlabel(_("generator step"))
        ax.set_ylabel(_("Fréchet distance (classifier features)"))
        ax.set_title(_("image quality"), fontsize=9)
        steps, values = _series(records, "classes_covered")
        if len(steps):
            ax2 = ax.twinx()
            lines += ax2.plot(steps, values, "s--", ms=2, color="tab:blue", label=_("classes covered"))
            ax2.set_ylim(0, 11)
            ax2.set_ylabel(_("classes covered (of 10)"))
        _legend_below(ax, lines)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _legend_below(ax, lines) -> None:
    """One legend for a panel with two y axes, under the plot, where it cannot cover a curve."""
    ax.legend(lines, [line.get_label() for line in lines], fontsize=7, loc="upper center",
              bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)


@in_reader_language
def panels_figure(samples: dict[str, np.ndarray], real: np.ndarray, path: str | Path, *,
                  centers: np.ndarray | None = None, title: str = "") -> Path:
    """One panel per name: its generated points (first two dimensions) over the real data, sharing the axes."""
    fig = Figure(figsize=(3.2 * len(samples), 3.4))
    axes = fig.subplots(1, len(samples), sharex=True, sharey=True, squeeze=False)[0]
    for ax, (name, points) in zip(axes, samples.items(), strict=True):
        ax.scatter(real[:, 0], real[:, 1 % real.shape[1]], s=2, alpha=0.3, color="tab:blue")
        ax.scatter(points[:, 0], points[:, 1 % points.shape[1]], s=2, alpha=0.5, color="tab:orange")
        if centers is not None:
            ax.scatter(centers[:, 0], centers[:, 1], marker="x", color="black", s=20)
        ax.set_title(name, fontsize=9)
        ax.set_aspect("equal", adjustable="box")
    fig.suptitle(_("{title} (blue: real, orange: generated)").format(title=title), fontsize=9)
    fig.tight_layout()
    return save_png(fig, path)
