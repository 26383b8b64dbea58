"""What a data name or path holds, without loading it or torch: the registered data sets (kind, benchmark),
the sample count of each benchmark's protocol, the image sizes the models support, and how a path on disk is
recognised (an image array, IDX files, CIFAR-10 batches, a folder of pictures, or a points array).

The config (defaults by the kind of data) and the data loaders (:mod:`gandojo.data`) both read it, so neither
imports the other to ask.

>>> data_kind("ring8"), data_kind("digits"), data_kind("no-such-data")
('points', 'images', None)
>>> data_benchmark("grid25"), data_benchmark("stacked-digits"), data_benchmark("my.npy")
('modes', 'stacked-digits', None)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["ARRAY_SUFFIXES", "DATA", "IMAGE_EXTENSIONS", "IMAGE_SIZES", "PROTOCOL_SAMPLES", "Benchmark",
           "DataEntry", "ImageFormat", "Kind", "check_image_size", "data_benchmark", "data_kind", "data_names",
           "image_format", "is_idx_name", "is_image_array"]

Kind = Literal["points", "images"]
Benchmark = Literal["modes", "digits", "stacked-digits"]
ImageFormat = Literal["array", "idx", "cifar10", "folder"]

# Generated samples each benchmark's protocol scores: 2,500 for mode collapse (VEEGAN/PacGAN), 26,000 for the 1,000
# modes of stacked digits (the Stacked MNIST protocol), and 22,500 for the digits: their Fréchet distance is a mean
# over chunks of 450 (the held-out split's size, the floor's), and one chunk's distance varies by several points
# from draw to draw, so 50 chunks make it a property of G rather than of the noise drawn (docs/lab.md). Data of no
# benchmark: 2,500.
PROTOCOL_SAMPLES: dict[Benchmark | None, int] = {"modes": 2500, "digits": 22500, "stacked-digits": 26000,
                                                 None: 2500}


@dataclass(frozen=True)
class DataEntry:
    """A registered data set: what it holds, which benchmark scores it, and what it is in a few words."""

    kind: Kind
    benchmark: Benchmark | None
    description: str


DATA: dict[str, DataEntry] = {
    "ring8": DataEntry("points", "modes", "8 Gaussians on the unit circle, σ = 0.01"),
    "grid25": DataEntry("points", "modes", "25 Gaussians on {-4, -2, 0, 2, 4}², σ = 0.05"),
    "three-mode": DataEntry("points", "modes", 'three clusters called "dog", "cat" and "bird"'),
    "gaussian1d": DataEntry("points", "modes", "one 1-D Gaussian N(3, 0.5²)"),
    "mixture1d": DataEntry("points", "modes", "three 1-D Gaussians"),
    "digits": DataEntry("images", "digits", "scikit-learn's 1,797 handwritten digits"),
    "stacked-digits": DataEntry("images", "stacked-digits", "three digits as the three channels: 1,000 modes"),
}

ARRAY_SUFFIXES = (".npy", ".npz", ".csv", ".txt")  # point arrays (gandojo.data.points)
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
IMAGE_SIZES = (8, 16, 32, 64, 128)  # square sizes the DCGAN models build: a power of two from 8 to 128


def data_names() -> list[str]:
    """Every registered data set name."""
    return list(DATA)


def check_image_size(image_size: int, name: str = "image_size") -> int:
    """Number of stride-2 stages between 4×4 and ``image_size``; ValueError (naming ``name``) unless a power
    of two from 8 to 128.

    >>> check_image_size(32)
    3
    """
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size not in IMAGE_SIZES:
        raise ValueError(f"{name} {image_size!r} is not supported; expected a power of two from 8 to 128 "
                         f"({', '.join(map(str, IMAGE_SIZES))})")
    return int(math.log2(image_size)) - 2


def is_idx_name(path: Path) -> bool:
    """An MNIST-style IDX file name (``train-images-idx3-ubyte``, gzipped or not)."""
    name = path.name.lower()
    return "idx" in name and "ubyte" in name


def cifar_folder(path: Path) -> Path | None:
    """The folder holding CIFAR-10's ``data_batch_*`` files: ``path`` or its ``cifar-10-batches-py``."""
    for folder in (path, path / "cifar-10-batches-py"):
        if folder.is_dir() and any(folder.glob("data_batch_*")):
            return folder
    return None


def is_image_array(path: str | Path) -> bool:
    """Whether a ``.npy``/``.npz`` file holds images (a 3-D or 4-D array, or an ``images`` entry) rather than
    points (N, D). A ``.npy`` is read through a memory map (its header only)."""
    import numpy as np  # only a path that names an array needs it: the catalogue loads without NumPy

    path = Path(path)
    try:
        if path.suffix.lower() == ".npy":
            return np.load(path, mmap_mode="r", allow_pickle=False).ndim in (3, 4)
        with np.load(path, allow_pickle=False) as archive:  # any 3-D or 4-D entry (the loader's rule)
            return any(archive[name].ndim in (3, 4) for name in archive.files)
    except (OSError, ValueError, EOFError):
        return False


def image_format(path: str | Path) -> ImageFormat | None:
    """Which image loader reads ``path``: an image array, IDX files, CIFAR-10 batches, a folder of images, or None
    (no images there: a points array, or nothing at all)."""
    path = Path(path)
    if path.is_file():
        if path.suffix.lower() in (".npy", ".npz"):
            return "array" if is_image_array(path) else None
        return "idx" if is_idx_name(path) or path.suffix == ".gz" else None
    if not path.is_dir():
        return None
    if cifar_folder(path) is not None:
        return "cifar10"
    if any(is_idx_name(p) and "idx3" in p.name for p in path.iterdir() if p.is_file()):
        return "idx"
    return "folder"


def data_kind(name: str) -> Kind | None:
    """What a data name or path holds: ``"points"`` (N, D), ``"images"`` (N, C, H, W), or None when it
    names nothing that exists (``load_data`` then says what is wrong). Cheap: array files are only probed."""
    if name in DATA:
        return DATA[name].kind
    path = Path(name).expanduser()
    if image_format(path) is not None:
        return "images"
    return "points" if path.suffix.lower() in ARRAY_SUFFIXES and path.exists() else None


def data_benchmark(name: str) -> Benchmark | None:
    """The benchmark a data name belongs to, without loading it (user paths have none)."""
    return DATA[name].benchmark if name in DATA else None
