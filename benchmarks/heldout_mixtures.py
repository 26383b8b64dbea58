"""Random 2-D Gaussian mixtures that nobody tuned for, split by seed into a tuning half and a held-out half.

A mixture is drawn from its seed alone: a ring of 6-16 modes or a grid from 3 x 3 to 8 x 8 (rows and columns drawn
apart), a random radius or spacing, σ, offset, overall scale and unequal weights. Recipes are tuned on the tuning
seeds (and ring8, grid25) only; the quality benchmark reports the held-out seeds, each given to ``gandojo train``
as a ``.npy`` file of points, exactly as a user's data would be, and scored against the modes it was drawn from.

    python benchmarks/heldout_mixtures.py             # prints how each held-out mixture is drawn
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

TUNING = tuple(range(0, 20))
HELD_OUT = tuple(range(1000, 1020))
POINTS = 20_000  # the size of the user's file


@dataclass(frozen=True)
class Mixture:
    """One drawn mixture: ``centers`` (K, 2), one ``sigma``, ``weights`` (K,) summing to 1, and how it was drawn."""

    seed: int
    kind: str  # "ring" or "grid"
    shape: str  # "12 modes" or "5 x 7"
    centers: np.ndarray
    sigma: float
    weights: np.ndarray
    spacing: float  # distance between neighbouring modes
    scale: float
    offset: tuple[float, float]

    @property
    def name(self) -> str:
        return f"mix{self.seed}-{self.kind}{len(self.centers)}"

    def describe(self) -> str:
        w = self.weights
        return (f"{self.name}: {self.kind} of {self.shape}, neighbours {self.spacing:.3g} apart, σ {self.sigma:.3g} "
                f"({self.sigma / self.spacing:.3f} of the spacing), around ({self.offset[0]:.3g}, "
                f"{self.offset[1]:.3g}), weights {w.min():.4f}-{w.max():.4f}")

    def modes(self):
        """The mixture as gandojo's :class:`~gandojo.data.base.Modes`, to score samples against."""
        from gandojo.data.base import Modes

        return Modes(self.centers, self.sigma, self.weights, tuple(str(k) for k in range(len(self.centers))))

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` points (n, 2), float32, as a user would have them."""
        rng = np.random.default_rng([self.seed, seed])
        k = rng.choice(len(self.centers), size=n, p=self.weights)
        return (self.centers[k] + self.sigma * rng.standard_normal((n, 2))).astype(np.float32)

    def save(self, folder: Path) -> Path:
        path = Path(folder) / f"{self.name}.npy"
        np.save(path, self.sample(POINTS))
        return path


def mixture(seed: int) -> Mixture:
    """The mixture of ``seed``: a ring or a grid with everything about it drawn at random."""
    rng = np.random.default_rng(seed)
    if rng.random() < 0.5:
        k = int(rng.integers(6, 17))
        radius = 1.0
        angles = 2 * np.pi * (np.arange(k) / k + rng.random())
        centers = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
        spacing, kind, shape = 2 * radius * np.sin(np.pi / k), "ring", f"{k} modes"
    else:
        rows, cols = (int(v) for v in rng.integers(3, 9, size=2))
        ii, jj = np.meshgrid(np.arange(rows) - (rows - 1) / 2, np.arange(cols) - (cols - 1) / 2, indexing="ij")
        centers = np.stack([jj.ravel(), ii.ravel()], axis=1).astype(np.float64)
        spacing, kind, shape = 1.0, "grid", f"{rows} x {cols}"
    relative_sigma = float(np.exp(rng.uniform(np.log(0.01), np.log(0.05))))  # σ as a share of the spacing
    scale = float(np.exp(rng.uniform(np.log(0.05), np.log(50.0))))
    offset = scale * rng.uniform(-20, 20, size=2)
    weights = rng.uniform(1.0, 3.0, size=len(centers))
    return Mixture(seed=seed, kind=kind, shape=shape, centers=centers * scale + offset,
                   sigma=relative_sigma * spacing * scale, weights=weights / weights.sum(), spacing=spacing * scale,
                   scale=scale, offset=(float(offset[0]), float(offset[1])))


if __name__ == "__main__":
    for group, seeds in (("tuning", TUNING), ("held out", HELD_OUT)):
        print(f"{group}:")
        for s in seeds:
            print("  " + mixture(s).describe())
