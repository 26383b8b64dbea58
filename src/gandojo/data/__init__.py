"""Data sets by name or path. Toy distributions live in :mod:`.toy`, images in :mod:`.images`."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Literal

from gandojo.config import DataConfig
from gandojo.data.images import IMAGE_DATA, ImageData, StackedDigits, is_image_array, load_images
from gandojo.data.toy import TOY_DATA, ArrayData, GaussianMixture, Modes, load_array, make_toy

ARRAY_SUFFIXES = (".npy", ".npz", ".csv")


def data_names() -> list[str]:
    """Every registered data set name."""
    return list(TOY_DATA) + list(IMAGE_DATA)


def data_kind(name: str) -> Literal["points", "images"] | None:
    """What a data name or path holds: ``"points"`` (N, D), ``"images"`` (N, C, H, W), or None when it
    names nothing that exists (``load_data`` then says what is wrong). Cheap: array files are only probed.

    >>> data_kind("ring8"), data_kind("digits"), data_kind("no-such-data")
    ('points', 'images', None)
    """
    if name in TOY_DATA:
        return "points"
    if name in IMAGE_DATA:
        return "images"
    path = Path(name).expanduser()
    suffix = path.suffix.lower()
    if suffix in (".npy", ".npz") and path.is_file():
        return "images" if is_image_array(path) else "points"
    if suffix in ARRAY_SUFFIXES:
        return "points" if path.exists() else None
    return "images" if path.exists() else None


def load_data(config: DataConfig):
    """The data set a config names: a registered name, or a path to user data.

    Returns an object with ``name``, ``shape`` (one sample's shape), ``modes`` (or None) and
    ``sample(n, generator)``; finite data sets also have ``values``. Images (``digits``,
    ``stacked-digits``, folders, IDX, CIFAR-10, 3-D/4-D arrays) have shape (C, H, W) and values in
    [-1, 1] (:mod:`.images`); an (N, D) ``.npy``/``.npz``/``.csv`` array is points.
    """
    name = config.name
    if name in TOY_DATA:
        return make_toy(name, sigma=config.sigma, weights=config.weights)
    if name in IMAGE_DATA:
        return IMAGE_DATA[name](image_size=config.image_size, channels=config.channels)
    path = Path(name).expanduser()
    if data_kind(str(path)) == "images":
        return load_images(path, config.image_size, config.channels)
    if path.exists():
        return load_array(path)  # points, or a clear error for an unreadable file
    if _looks_like_a_path(name):
        raise FileNotFoundError(f"no such file or folder: {name}")
    close = difflib.get_close_matches(name, data_names(), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise ValueError(f"unknown data set {name!r}{hint}; expected one of {', '.join(data_names())}, a path to a "
                     f"{', '.join(ARRAY_SUFFIXES)} file, an image folder, IDX files or CIFAR-10 batches")


def _looks_like_a_path(name: str) -> bool:
    return any(sep in name for sep in ("/", "\\")) or name.startswith(("~", ".")) or bool(Path(name).suffix)


__all__ = ["ArrayData", "GaussianMixture", "ImageData", "Modes", "StackedDigits", "data_kind", "data_names",
           "load_data", "load_array", "make_toy"]
