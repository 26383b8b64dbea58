"""Pictures of images: denormalised to uint8, tiled into grids (with row labels), single PNG files, and
looping GIFs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from gandojo.atomic import atomic_write
from gandojo.viz import save_png
from gandojo.viz.fonts import in_reader_language

__all__ = ["grid_array", "image_grid", "image_panels", "save_gif", "save_images", "to_uint8"]


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
               scale: int | None = None, row_labels: list[str] | None = None) -> Path:
    """Write images (N, C, H, W) in [-1, 1] as one PNG grid (see :func:`grid_array`); returns the path.

    ``row_labels`` (one per row) are written in a margin on the left.
    """
    grid = grid_array(images, nrow=nrow, padding=padding, scale=scale)
    picture = _pil(grid) if row_labels is None else _label_rows(grid, row_labels, padding)
    return atomic_write(Path(path), lambda f: picture.save(f, format="PNG"), sync=False)


def _label_rows(grid: np.ndarray, labels: list[str], padding: int):
    """The grid with a white margin on the left holding one label per row, centred on the row."""
    from PIL import Image, ImageDraw

    picture = _pil(grid).convert("RGB")
    margin = 8 + 7 * max(map(len, labels))
    out = Image.new("RGB", (picture.width + margin, picture.height), "white")
    out.paste(picture, (margin, 0))
    draw = ImageDraw.Draw(out)
    row_height = (picture.height - padding) / len(labels)
    for i, label in enumerate(labels):
        draw.text((4, padding + (i + 0.5) * row_height - 5), label, fill="black")
    return out


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
    images = [_pil(f) for f in frames]
    sequence = images + images[-2:0:-1]
    return atomic_write(Path(path), lambda f: sequence[0].save(f, format="GIF", save_all=True,
                                                               append_images=sequence[1:], duration=duration_ms,
                                                               loop=0), sync=False)


@in_reader_language
def image_panels(samples: dict[str, object], path: str | Path, *, title: str = "") -> Path:
    """One labelled image grid per name, side by side (images (N, C, H, W) in [-1, 1])."""
    from matplotlib.figure import Figure


    fig = Figure(figsize=(2.8 * len(samples), 3.1))
    axes = fig.subplots(1, len(samples), squeeze=False)[0]
    for ax, (name, images) in zip(axes, samples.items(), strict=True):
        grid = grid_array(images, nrow=6, scale=1)
        ax.imshow(grid[:, :, 0] if grid.shape[2] == 1 else grid, cmap="gray", interpolation="nearest")
        ax.set_title(name, fontsize=9)
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return save_png(fig, path)
