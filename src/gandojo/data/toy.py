"""Low-dimensional data with known modes: 1-D mixtures, ring8, grid25, three-mode, user arrays.

Every mixture knows its modes (centres, σ, weights, names) so that mode collapse can be scored
(:mod:`gandojo.metrics.modes`). Sampling uses an explicit ``torch.Generator``, never global state.

>>> ring = ring8()
>>> ring.modes.centers.shape, round(float(ring.modes.centers[2, 1]), 6)
((8, 2), 1.0)
>>> ring.sample(5, torch.Generator().manual_seed(0)).shape
torch.Size([5, 2])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from torch import Tensor

from gandojo.data.base import Benchmark, Kind, Modes
from gandojo.i18n import _

__all__ = ["TOY_DATA", "GaussianMixture", "Modes", "gaussian1d", "grid25", "make_toy", "mixture1d", "ring8",
           "three_mode"]


@dataclass(frozen=True)
class GaussianMixture:
    """An isotropic Gaussian mixture in D dimensions; infinite data, sampled fresh every batch (a :class:`Dataset`)."""

    name: str
    modes: Modes
    kind: ClassVar[Kind] = "points"
    benchmark: ClassVar[Benchmark] = "modes"
    values: ClassVar[None] = None
    labels: ClassVar[None] = None
    skipped: ClassVar[tuple[str, ...]] = ()
    notes: ClassVar[tuple[str, ...]] = ()

    @property
    def dim(self) -> int:
        return int(self.modes.centers.shape[1])

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.dim,)

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """Draw ``n`` points, shape (n, D), float32."""
        weights = torch.as_tensor(self.modes.weights, dtype=torch.float64)
        idx = torch.multinomial(weights, n, replacement=True, generator=generator)
        centers = torch.as_tensor(self.modes.centers, dtype=torch.float32)
        noise = torch.randn(n, self.dim, generator=generator)
        return centers[idx] + self.modes.sigma * noise


def _normalised(weights, k: int) -> np.ndarray:
    w = np.ones(k) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (k,):
        raise ValueError(_("data.weights: expected {k} mode weights for this data, got {n}").format(k=k, n=len(w)))
    if np.any(w < 0) or not np.isfinite(w).all() or w.sum() <= 0:
        raise ValueError(_("data.weights: mode weights must be non-negative and finite with a positive sum, got "
                           "{weights}").format(weights=list(w)))
    return w / w.sum()


def ring8(sigma: float = 0.01, weights=None) -> GaussianMixture:
    """8 Gaussians at (cos 2πk/8, sin 2πk/8), k = 0..7, σ = 0.01 (the VEEGAN/PacGAN protocol)."""
    angles = 2 * np.pi * np.arange(8) / 8  # not linspace(0, 2π, 8), which repeats a mode
    centers = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    names = tuple(f"{deg}°" for deg in range(0, 360, 45))
    return GaussianMixture("ring8", Modes(centers, sigma, _normalised(weights, 8), names))


def grid25(sigma: float = 0.05, weights=None) -> GaussianMixture:
    """25 Gaussians at {−4, −2, 0, 2, 4}², σ = 0.05."""
    coords = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    centers = np.array([(x, y) for x in coords for y in coords])
    names = tuple(f"({int(x)},{int(y)})" for x, y in centers)
    return GaussianMixture("grid25", Modes(centers, sigma, _normalised(weights, 25), names))


def three_mode(sigma: float = 0.1, weights=None) -> GaussianMixture:
    """Three labelled clusters standing for "dog", "cat" and "bird" (1/3 each unless weighted)."""
    angles = np.pi / 2 + 2 * np.pi * np.arange(3) / 3
    centers = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return GaussianMixture("three-mode", Modes(centers, sigma, _normalised(weights, 3), ("dog", "cat", "bird")))


def gaussian1d(sigma: float = 0.5, weights=None) -> GaussianMixture:
    """A single 1-D Gaussian N(3, 0.5²)."""
    return GaussianMixture("gaussian1d", Modes(np.array([[3.0]]), sigma, _normalised(weights, 1), ("N(3)",)))


def mixture1d(sigma: float = 0.25, weights=None) -> GaussianMixture:
    """A 1-D mixture of three Gaussians at −2, 0 and 3."""
    centers = np.array([[-2.0], [0.0], [3.0]])
    return GaussianMixture("mixture1d", Modes(centers, sigma, _normalised(weights, 3), ("-2", "0", "3")))


TOY_DATA = {
    "ring8": ring8,
    "grid25": grid25,
    "three-mode": three_mode,
    "gaussian1d": gaussian1d,
    "mixture1d": mixture1d,
}


def make_toy(name: str, *, sigma: float | None = None, weights=None) -> GaussianMixture:
    """A registered toy distribution, with σ and weights overridable."""
    if name not in TOY_DATA:
        raise ValueError(_("unknown toy data set {name!r}; expected one of {names}").format(
            name=name, names=", ".join(TOY_DATA)))
    kwargs = {"weights": weights}
    if sigma is not None:
        kwargs["sigma"] = sigma
    return TOY_DATA[name](**kwargs)
