"""What every data set is: the :class:`Dataset` protocol that every loader returns and every caller relies on.

A data set is either *points* (samples of shape (D,): toy mixtures, user arrays) or *images* (samples of
shape (C, H, W) in [-1, 1]). It is finite (``values`` holds every sample, shuffled into batches by epoch)
or a distribution sampled fresh for every batch (``values`` is None). ``benchmark`` says which offline
scoring applies: ``"modes"`` (known Gaussian modes, the VEEGAN/PacGAN protocol), ``"digits"`` (the
bundled digits and their classifier), ``"stacked-digits"`` (1,000 modes), or None (a Wasserstein distance
for points, pixel statistics for images).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import torch
from torch import Tensor

from gandojo.catalogue import PROTOCOL_SAMPLES, Benchmark, Kind  # noqa: F401  (re-exported with the protocol)


@dataclass(frozen=True)
class Modes:
    """The modes of a Gaussian mixture: ``centers`` (K, D), one isotropic ``sigma``, ``weights`` (K,)."""

    centers: np.ndarray
    sigma: float
    weights: np.ndarray
    names: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.names)


@runtime_checkable
class Dataset(Protocol):
    """The interface of every data set gandojo trains on and scores against.

    Attributes
    ----------
    name : str
    kind : "points" or "images"
    shape : tuple of int
        One sample's shape: (D,) for points, (C, H, W) for images.
    values : Tensor of shape (N, *shape), or None
        Every sample of a finite data set; None for a distribution sampled fresh for every batch.
    labels : Tensor of shape (N,), or None
    modes : Modes or None
        The known modes of a toy mixture.
    benchmark : "modes", "digits", "stacked-digits" or None
        Which offline scoring applies (:func:`gandojo.metrics.scoring.make_evaluator`).
    skipped : tuple of str
        Input files that could not be read, as ``"path: reason"``.
    notes : tuple of str
        What the loader did (a resize, a skipped header row), to tell the user at the start of a run.
    """

    name: str
    kind: Kind
    values: Tensor | None
    labels: Tensor | None
    modes: Modes | None
    benchmark: Benchmark | None
    skipped: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def shape(self) -> tuple[int, ...]: ...

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` samples (n, *shape), drawn with ``generator`` (never the global random state)."""
        ...
