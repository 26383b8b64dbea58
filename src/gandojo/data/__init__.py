"""Data sets by name or path, all behind one interface (:class:`~gandojo.data.base.Dataset`) and one dispatcher.

Toy mixtures with known modes live in :mod:`.toy`, user point arrays in :mod:`.points`, images in
:mod:`.images` (the bundled digits, and IDX / CIFAR-10 / image folders / arrays on disk). Which name is what
(kind, benchmark) is the torch-free :mod:`gandojo.catalogue`'s to say; the loaders here register the same names
(checked by the tests).

>>> data = load_data(DataConfig(name="ring8"))
>>> data.kind, data.shape, data.benchmark, data.modes.count
('points', (2,), 'modes', 8)
"""

from __future__ import annotations

import difflib
from pathlib import Path

from gandojo.catalogue import (
    ARRAY_SUFFIXES,
    PROTOCOL_SAMPLES,
    Benchmark,
    Kind,
    data_benchmark,
    data_kind,
    data_names,
    image_format,
)
from gandojo.config import DataConfig
from gandojo.data.base import Dataset, Modes
from gandojo.data.images import BUNDLED_IMAGES, IMAGE_FORMATS, ImageData, StackedDigits
from gandojo.data.points import ArrayData, load_array, read_points
from gandojo.data.toy import TOY_DATA, GaussianMixture, make_toy
from gandojo.i18n import _


def load_data(config: DataConfig) -> Dataset:
    """The data set a config names: a registered name, or a path to user data.

    Returns a :class:`~gandojo.data.base.Dataset`. Images (``digits``, ``stacked-digits``, folders, IDX,
    CIFAR-10, 3-D/4-D arrays) have shape (C, H, W) and values in [-1, 1]; an (N, D)
    ``.npy``/``.npz``/``.csv`` array is points. A path that does not exist is a FileNotFoundError; an
    unknown name a ValueError that suggests the closest registered one.
    """
    name = config.name
    if name in TOY_DATA:
        return make_toy(name, sigma=config.sigma, weights=config.weights)
    if name in BUNDLED_IMAGES:
        return BUNDLED_IMAGES[name](image_size=config.image_size, channels=config.channels)
    path = Path(name).expanduser()
    found = image_format(path)
    if found is not None:
        return IMAGE_FORMATS[found](path, config.image_size, config.channels)
    if path.is_file() and path.suffix.lower() not in ARRAY_SUFFIXES:
        raise ValueError(_("{path}: unsupported image data file (and not a points file either); expected a .npy, "
                           ".npz or .csv array, an IDX file, or a folder of images").format(path=path))
    if path.exists():
        return load_array(path)  # points, or a clear error for an unreadable file
    if _looks_like_a_path(name):
        raise FileNotFoundError(_("no such file or folder: {name}").format(name=name))
    close = difflib.get_close_matches(name, data_names(), n=1, cutoff=0.6)
    hint = _(" (did you mean {choice}?)").format(choice=close[0]) if close else ""
    raise ValueError(_("unknown data set {name!r}{hint}; expected one of {names}, a path to a {suffixes} file, an "
                       "image folder, IDX files or CIFAR-10 batches").format(
        name=name, hint=hint, names=", ".join(data_names()), suffixes=", ".join(ARRAY_SUFFIXES)))


def _looks_like_a_path(name: str) -> bool:
    return any(sep in name for sep in ("/", "\\")) or name.startswith(("~", ".")) or bool(Path(name).suffix)


__all__ = ["ARRAY_SUFFIXES", "PROTOCOL_SAMPLES", "ArrayData", "Benchmark", "Dataset", "GaussianMixture",
           "ImageData", "Kind", "Modes", "StackedDigits", "data_benchmark", "data_kind", "data_names", "load_array",
           "load_data", "make_toy", "read_points"]
