"""Data sets by name or path. Toy distributions live in :mod:`.toy`, images in :mod:`.images`."""

from __future__ import annotations

from pathlib import Path

from gandojo.config import DataConfig
from gandojo.data.toy import TOY_DATA, ArrayData, GaussianMixture, Modes, load_array, make_toy

ARRAY_SUFFIXES = (".npy", ".npz", ".csv")


def data_names() -> list[str]:
    """Every registered data set name."""
    return list(TOY_DATA)


def load_data(config: DataConfig):
    """The data set a config names: a registered name, or a path to user data.

    Returns an object with ``name``, ``shape`` (one sample's shape), ``modes`` (or None) and
    ``sample(n, generator)``; finite data sets also have ``values``.
    """
    name = config.name
    if name in TOY_DATA:
        return make_toy(name, sigma=config.sigma, weights=config.weights)
    path = Path(name)
    if path.suffix.lower() in ARRAY_SUFFIXES or path.exists():
        if path.suffix.lower() in ARRAY_SUFFIXES:
            return load_array(path)
        raise ValueError(f"{path}: unsupported data path; expected a {', '.join(ARRAY_SUFFIXES)} file")
    raise ValueError(f"unknown data set {name!r}; expected one of {', '.join(data_names())} "
                     f"or a path to a {', '.join(ARRAY_SUFFIXES)} file")


__all__ = ["ArrayData", "GaussianMixture", "Modes", "data_names", "load_data", "load_array", "make_toy"]
