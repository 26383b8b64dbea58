"""User point data: an (N, D) array from a ``.npy``, ``.npz``, ``.csv`` or ``.txt`` file, checked and described."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch
from torch import Tensor

from gandojo.data.base import Kind
from gandojo.i18n import _

__all__ = ["POINT_SUFFIXES", "ArrayData", "load_array", "read_points"]


@dataclass(frozen=True)
class ArrayData:
    """User samples of shape (N, D) from a ``.npy``, ``.npz`` or ``.csv`` file; no known modes (a :class:`Dataset`)."""

    name: str
    values: Tensor  # (N, D) float32
    notes: tuple[str, ...] = ()  # what the loader did (a skipped header row, the dimensions snapshots show)
    kind: ClassVar[Kind] = "points"
    benchmark: ClassVar[None] = None  # no known modes: scored by the Wasserstein distance only
    labels: ClassVar[None] = None
    modes: ClassVar[None] = None
    skipped: ClassVar[tuple[str, ...]] = ()

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


POINT_SUFFIXES = (".npy", ".npz", ".csv", ".txt")


def read_points(path: str | Path) -> tuple[np.ndarray, tuple[str, ...]]:
    """An (N, D) array of points from a ``.npy``, ``.npz``, ``.csv`` (a header row is detected and skipped) or
    whitespace-separated ``.txt`` file, and notes on what was done to read it. A 1-D array is N points of one
    dimension. Rejects a missing file, another format, non-numbers, fewer than 2 rows, NaN and inf, by name."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(_("data file not found: {path}").format(path=path))
    suffix = path.suffix.lower()
    header = None
    try:
        if suffix == ".npy":
            array = np.load(path, allow_pickle=False)
        elif suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                if not archive.files:
                    raise ValueError(_("{path}: the .npz archive holds no arrays").format(path=path))
                array = archive[archive.files[0]]
        elif suffix == ".csv":
            array, header = _read_csv(path)
        elif suffix == ".txt":
            array = np.loadtxt(path, ndmin=2)
        else:
            raise ValueError(_("{path}: expected a .npy, .npz, .csv or .txt file of shape (N, D)").format(path=path))
    except (OSError, EOFError) as err:
        raise ValueError(_("{path}: cannot read it as {suffix} ({error})").format(path=path, suffix=suffix,
                                                                              error=err)) from None
    except ValueError as err:
        if str(err).startswith(str(path)):
            raise
        raise ValueError(_("{path}: cannot read it as {suffix} ({error})").format(path=path, suffix=suffix,
                                                                              error=err)) from None
    if array.dtype.kind not in "iuf":
        raise ValueError(_("{path}: expected numbers, got dtype {dtype}").format(path=path, dtype=array.dtype))
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] < 2 or array.shape[1] < 1:
        raise ValueError(_("{path}: expected shape (N, D) with N >= 2 samples, got {shape}").format(
            path=path, shape=array.shape))
    if not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).any(axis=1).sum())
        raise ValueError(_("{path}: {n} rows hold NaN or infinite values").format(path=path, n=bad))
    notes = (f"{path.name}: skipped the header row ({header})",) if header is not None else ()
    return array, notes


def load_array(path: str | Path) -> ArrayData:
    """User samples to train on (:func:`read_points`, and values within ±1e6)."""
    path = Path(path)
    array, notes = read_points(path)
    if np.abs(array).max() > 1e6:
        raise ValueError(_("{path}: values up to {largest:.3g}; rescale the data to a range near 1").format(
            path=path, largest=np.abs(array).max()))
    if array.shape[1] > 2:
        notes += (f"{path.name}: {array.shape[1]}-D points; the snapshots show dimensions 1 and 2",)
    return ArrayData(path.stem, torch.as_tensor(array, dtype=torch.float32), notes=notes)


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
