"""Figures: generated-vs-real snapshots for toy data, image grids, and the training curves of a run.

Every function writes a PNG and returns its path. Figures are built with ``matplotlib.figure.Figure``
directly (no pyplot state, no display needed).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure


def _save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def points_snapshot(generated: np.ndarray, real: np.ndarray, path: str | Path, *, title: str = "",
                    centers: np.ndarray | None = None) -> Path:
    """2-D: generated points over real points (and mode centres). 1-D: overlaid histograms."""
    generated = np.asarray(generated).reshape(len(generated), -1)
    real = np.asarray(real).reshape(len(real), -1)
    fig = Figure(figsize=(4.5, 4.2))
    ax = fig.add_subplot()
    if generated.shape[1] == 1:
        lo = np.nanmin([real.min(), np.nanmin(generated)]) if np.isfinite(generated).any() else real.min()
        hi = np.nanmax([real.max(), np.nanmax(generated)]) if np.isfinite(generated).any() else real.max()
        bins = np.linspace(lo, hi, 60)
        ax.hist(real[:, 0], bins=bins, density=True, alpha=0.5, label="real", color="tab:blue")
        ax.hist(generated[np.isfinite(generated[:, 0]), 0], bins=bins, density=True, alpha=0.5,
                label="generated", color="tab:orange")
        ax.set_xlabel("x")
    else:
        ax.scatter(real[:, 0], real[:, 1], s=3, alpha=0.3, label="real", color="tab:blue")
        ax.scatter(generated[:, 0], generated[:, 1], s=3, alpha=0.5, label="generated", color="tab:orange")
        if centers is not None:
            ax.scatter(centers[:, 0], centers[:, 1], marker="x", color="black", s=30, label="mode centres")
        ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="upper right", fontsize=7, markerscale=3)
    ax.set_title(title, fontsize=9)
    return _save(fig, path)


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
    """Losses, D's outputs, and (when logged) the Wasserstein estimate against the exact W and coverage."""
    wasserstein = any(r.get("w_estimate") is not None for r in records)
    has_modes = any(r.get("modes_covered") is not None for r in records)
    panels = 2 + int(wasserstein or any(r.get("w_exact") is not None for r in records)) + int(has_modes)
    fig = Figure(figsize=(4.2 * panels, 3.4))
    axes = fig.subplots(1, panels)
    ax = axes[0]
    for key, label in (("loss_d", "D / critic loss"), ("loss_g", "G loss"), ("value", "V(D, G)")):
        steps, values = _series(records, key)
        if len(steps):
            ax.plot(steps, values, label=label, lw=1)
    ax.set_xlabel("generator step")
    ax.set_title("losses", fontsize=9)
    ax.legend(fontsize=7)
    ax = axes[1]
    for key, label in (("d_real", "D(x)"), ("d_fake", "D(G(z))")):
        steps, values = _series(records, key)
        if len(steps):
            ax.plot(steps, values, label=label + (" (critic score)" if wasserstein else ""), lw=1)
    if not wasserstein:
        ax.axhline(0.5, color="grey", lw=0.5, ls="--")
    ax.set_xlabel("generator step")
    ax.set_title("discriminator outputs (means)", fontsize=9)
    ax.legend(fontsize=7)
    index = 2
    if panels > 2 + int(has_modes):
        ax = axes[index]
        index += 1
        steps, values = _series(records, "w_estimate")
        if len(steps):
            ax.plot(steps, values, lw=0.5, alpha=0.3, color="tab:purple")
            ax.plot(steps, smooth(values, 20), lw=1.2, color="tab:purple", label="critic estimate (smoothed)")
        steps, values = _series(records, "w_exact")
        if len(steps):
            ax.plot(steps, values, "o-", ms=3, color="black", label="exact W1 (samples)")
        ax.set_xlabel("generator step")
        ax.set_title("Wasserstein distance", fontsize=9)
        ax.legend(fontsize=7)
    if has_modes:
        ax = axes[index]
        steps, values = _series(records, "modes_covered")
        total = next(r["modes_total"] for r in records if r.get("modes_total") is not None)
        ax.plot(steps, values, "o-", ms=3, label="modes covered")
        ax.axhline(total, color="grey", lw=0.5, ls="--")
        ax.set_ylim(0, total * 1.1)
        ax.set_xlabel("generator step")
        ax.set_title(f"mode coverage (of {total})", fontsize=9)
        ax2 = ax.twinx()
        steps, values = _series(records, "high_quality")
        ax2.plot(steps, 100 * values, "s--", ms=2, color="tab:green", label="high quality %")
        ax2.set_ylim(0, 105)
        ax2.legend(fontsize=7, loc="lower right")
        ax.legend(fontsize=7, loc="lower left")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


# --- images -------------------------------------------------------------------------------------------

def to_uint8(images) -> np.ndarray:
    """Denormalise images (N, C, H, W) from [-1, 1] to uint8 (N, H, W, C) in 0..255.

    >>> to_uint8(np.array([[[[-1.0, 0.0, 1.0]]]])).ravel().tolist()
    [0, 128, 255]
    """
    x = np.asarray(images, dtype=np.float64)
    if x.ndim != 4 or x.shape[1] not in (1, 3):
        raise ValueError(f"expected images of shape (N, 1 or 3, H, W), got {x.shape}")
    x = np.nan_to_num(x, nan=-1.0)
    return np.round((np.clip(x, -1, 1) + 1) * 127.5).astype(np.uint8).transpose(0, 2, 3, 1)


def grid_array(images, *, nrow: int | None = None, padding: int = 2, scale: int | None = None) -> np.ndarray:
    """Tile images (N, C, H, W) in [-1, 1] into one uint8 picture (rows, cols, C), ``nrow`` per row.

    ``nrow`` defaults to ceil(sqrt(N)); ``scale`` (default: enough for images of at least 48 pixels)
    enlarges each pixel to a block, so small images stay sharp. The padding is mid-grey.

    >>> grid_array(np.zeros((6, 1, 8, 8)), nrow=3, padding=1, scale=1).shape
    (19, 28, 1)
    """
    tiles = to_uint8(images)
    n, h, w, c = tiles.shape
    if n == 0:
        raise ValueError("no images to put in a grid")
    nrow = nrow or math.ceil(math.sqrt(n))
    if nrow < 1:
        raise ValueError(f"nrow must be at least 1, got {nrow}")
    scale = scale or max(1, math.ceil(48 / max(h, w)))
    if scale > 1:
        tiles = tiles.repeat(scale, axis=1).repeat(scale, axis=2)
        h, w = h * scale, w * scale
    rows = math.ceil(n / nrow)
    out = np.full((rows * (h + padding) + padding, nrow * (w + padding) + padding, c), 128, dtype=np.uint8)
    for i in range(n):
        r, col = divmod(i, nrow)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        out[top:top + h, left:left + w] = tiles[i]
    return out


def _pil(array: np.ndarray):
    from PIL import Image

    return Image.fromarray(array[:, :, 0] if array.shape[2] == 1 else array)


def image_grid(images, path: str | Path, *, nrow: int | None = None, padding: int = 2,
               scale: int | None = None) -> Path:
    """Write images (N, C, H, W) in [-1, 1] as one PNG grid (see :func:`grid_array`); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _pil(grid_array(images, nrow=nrow, padding=padding, scale=scale)).save(path)
    return path


def save_images(images, folder: str | Path, *, prefix: str = "sample") -> list[Path]:
    """Write each image (N, C, H, W) in [-1, 1] as its own PNG, ``<prefix>_0000.png``, ... in ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tiles = to_uint8(images)
    width = max(4, len(str(len(tiles) - 1)))
    paths = []
    for i, tile in enumerate(tiles):
        path = folder / f"{prefix}_{i:0{width}d}.png"
        _pil(tile).save(path)
        paths.append(path)
    return paths


def save_gif(frames: list[np.ndarray], path: str | Path, *, duration_ms: int = 120) -> Path:
    """Write uint8 pictures (rows, cols, C) as a looping GIF that plays forward and back."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    images = [_pil(f) for f in frames]
    sequence = images + images[-2:0:-1]
    sequence[0].save(path, save_all=True, append_images=sequence[1:], duration=duration_ms, loop=0)
    return path
