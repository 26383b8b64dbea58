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
from pathlib import Path

import numpy as np
import torch
from torch import Tensor


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


@dataclass(frozen=True)
class GaussianMixture:
    """An isotropic Gaussian mixture in D dimensions; infinite data, sampled fresh every batch."""

    name: str
    modes: Modes

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
        raise ValueError(f"data.weights: expected {k} mode weights for this data, got {len(w)}")
    if np.any(w < 0) or not np.isfinite(w).all() or w.sum() <= 0:
        raise ValueError(f"data.weights: mode weights must be non-negative and finite with a positive sum, "
                         f"got {list(w)}")
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
        raise ValueError(f"unknown toy data set {name!r}; expected one of {', '.join(TOY_DATA)}")
    kwargs = {"weights": weights}
    if sigma is not None:
        kwargs["sigma"] = sigma
    return TOY_DATA[name](**kwargs)


@dataclass(frozen=True)
class ArrayData:
    """User samples of shape (N, D) from a ``.npy``, ``.npz`` or ``.csv`` file; no known modes."""

    name: str
    values: Tensor  # (N, D) float32
    modes: None = None
    notes: tuple[str, ...] = ()  # what the loader did (a skipped header row, the dimensions snapshots show)

    @property
    def dim(self) -> int:
        return int(self.values.shape[1])

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.dim,)

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` rows drawn with replacement (for evaluation; training shuffles epochs instead)."""
        idx = torch.randint(len(self.values), (n,), generator=generator)
        return self.values[idx]


def load_array(path: str | Path) -> ArrayData:
    """Load an (N, D) array of samples; rejects wrong shapes, non-numbers, NaN and inf by name."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"data file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            array = np.load(path, allow_pickle=False)
        elif suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                if not archive.files:
                    raise ValueError(f"{path}: the .npz archive holds no arrays")
                array = archive[archive.files[0]]
        elif suffix == ".csv":
            array, header = _read_csv(path)
        else:
            raise ValueError(f"{path}: expected a .npy, .npz or .csv file of shape (N, D)")
    except (OSError, EOFError) as err:
        raise ValueError(f"{path}: cannot read it as {suffix} ({err})") from None
    except ValueError as err:
        if str(err).startswith(str(path)):
            raise
        raise ValueError(f"{path}: cannot read it as {suffix} ({err})") from None
    if array.dtype.kind not in "iuf":
        raise ValueError(f"{path}: expected numbers, got dtype {array.dtype}")
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] < 2 or array.shape[1] < 1:
        raise ValueError(f"{path}: expected shape (N, D) with N >= 2 samples, got {array.shape}")
    if not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).any(axis=1).sum())
        raise ValueError(f"{path}: {bad} rows hold NaN or infinite values")
    if np.abs(array).max() > 1e6:
        raise ValueError(f"{path}: values up to {np.abs(array).max():.3g}; rescale the data to a range near 1")
    notes = []
    if suffix == ".csv" and header is not None:
        notes.append(f"{path.name}: skipped the header row ({header})")
    if array.shape[1] > 2:
        notes.append(f"{path.name}: {array.shape[1]}-D points; the snapshots show dimensions 1 and 2")
    return ArrayData(path.stem, torch.as_tensor(array, dtype=torch.float32), notes=tuple(notes))


def _read_csv(path: Path) -> tuple[np.ndarray, str | None]:
    """Numbers of a CSV file, and its header row if the first row holds no numbers (else None)."""
    try:
        return np.loadtxt(path, delimiter=",", ndmin=2), None
    except ValueError:
        with path.open() as f:
            first = f.readline().strip()
        cells = [cell.strip() for cell in first.split(",")]
        if not first or any(_is_number(cell) for cell in cells):
            raise  # not a header: the data itself is malformed
        return np.loadtxt(path, delimiter=",", ndmin=2, skiprows=1), first


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
