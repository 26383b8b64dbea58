"""Input checks shared by the distance functions: bad input fails the same way, with the same words, everywhere."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from scipy.spatial.distance import cdist

from gandojo.errors import ArgumentError

Normalize = Literal["mass", "max_distance", "mean_move"]
NORMALIZATIONS: tuple[Normalize, ...] = ("mass", "max_distance", "mean_move")

# Relative tolerance for "equal total mass" and for a plan's marginals: loose enough for float
# round-off in sums, tight enough that a plan off by one cell in a million is rejected.
_MASS_RTOL = 1e-9
# Exact transport needs dense n x m matrices (cost and plan); above this many entries say so
# instead of trying to allocate gigabytes.
_EXACT_MAX_ENTRIES = 100_000_000


def _as_float_array(x: Any, name: str) -> np.ndarray:
    if isinstance(x, str | bytes):
        raise ArgumentError(name, lambda n: f"{n(name)} must be an array of numbers, got the string {x!r}")
    try:
        arr = np.asarray(x)
    except ValueError as exc:  # ragged nested lists
        reason = str(exc)
        raise ArgumentError(name, lambda n: f"{n(name)} must be a rectangular array of numbers ({reason})") from None
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise ArgumentError(name, lambda n: f"{n(name)} must be an array of numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise ArgumentError(name, lambda n: f"{n(name)} must be real, got complex values")
    return arr.astype(np.float64, copy=False)


def _check_finite(arr: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ArgumentError(name, lambda n: f"{n(name)} must be finite, but {n.entry(name, *first)} = {arr[first]}")


def _values_1d(x: Any, name: str) -> np.ndarray:
    """A non-empty, finite 1-D array; an (n, 1) column is accepted as 1-D."""
    arr = _as_float_array(x, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ArgumentError(name, lambda n: f"{n(name)} must be a 1-D array, got shape {arr.shape}")
    if arr.size == 0:
        raise ArgumentError(name, lambda n: f"{n(name)} is empty; give at least one value")
    _check_finite(arr, name)
    return arr


def _masses(x: Any, name: str, n: int | None = None) -> np.ndarray:
    """Non-negative, finite weights with a positive total (a histogram or sample weights)."""
    arr = _as_float_array(x, name)
    if arr.ndim != 1:
        raise ArgumentError(name, lambda n: f"{n(name)} must be a 1-D array of masses, got shape {arr.shape}")
    if arr.size == 0:
        raise ArgumentError(name, lambda n: f"{n(name)} is empty; give at least one mass")
    if n is not None and arr.size != n:
        raise ArgumentError(name, lambda w: f"{w(name)} has {arr.size} entries but there are {n} values to weigh")
    _check_finite(arr, name)
    if (arr < 0).any():
        i = int(np.argmax(arr < 0))
        raise ArgumentError(name, lambda n: f"{n(name)} must be non-negative, but {n.entry(name, i)} = {arr[i]:g}")
    if arr.sum() <= 0:
        raise ArgumentError(name, lambda n: f"{n(name)} has zero total mass; at least one entry must be positive")
    return arr


def _check_p(p: float) -> float:
    if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating):
        raise ValueError(f"p must be a number >= 1, got {p!r}")
    if not math.isfinite(p) or p < 1:
        raise ValueError(f"p must be a finite number >= 1 (W_p is not a distance for p < 1), got {p}")
    return float(p)


def _same_mass(a: np.ndarray, b: np.ndarray, renormalize: bool,
               names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Equal totals, or both scaled to 1 when the caller asks for it."""
    if renormalize:
        return a / a.sum(), b / b.sum()
    sa, sb = a.sum(), b.sum()
    if not math.isclose(sa, sb, rel_tol=_MASS_RTOL):
        raise ArgumentError(names[1], lambda n: (
            f"{n(names[0])} and {n(names[1])} have unequal total mass ({sa:g} and {sb:g}); transport moves mass, "
            f"it does not create it. Pass {n.flag('renormalize')} to compare them as distributions"))
    return a, b * (sa / sb)  # remove round-off so the solver sees exactly equal totals


def _positive_int(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _check_normalize(kind: Any) -> None:
    if kind is not None and kind not in NORMALIZATIONS:
        choices = ", ".join(NORMALIZATIONS)
        raise ValueError(f"unknown normalisation {kind!r}; expected None or one of {choices}")


def _positions(positions: Any, n: int, name: str = "positions") -> np.ndarray:
    """Positions of shape (n,) or (n, d), returned as (n, d)."""
    arr = _as_float_array(positions, name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ArgumentError(name, lambda w: f"{w(name)} must have shape (n,) or (n, d), got {arr.shape}")
    if arr.shape[0] != n:
        raise ArgumentError(name, lambda w: f"{w(name)} has {arr.shape[0]} entries but the histograms have {n} cells")
    _check_finite(arr, name)
    return arr


def _check_exact_size(n: int, m: int, what: str, hint: str) -> None:
    if n * m > _EXACT_MAX_ENTRIES:
        raise ValueError(f"exact transport between {n} and {m} {what} needs {n}x{m} dense matrices "
                         f"({2 * 8 * n * m / 1e9:.1f} GB); {hint}")


def _ground_cost(n: int, m: int, cost: Any, positions: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """The (n, m) ground cost from an explicit matrix or from shared positions (default 1..n)."""
    if cost is not None and positions is not None:
        raise ArgumentError("cost", lambda w: f"give either {w('cost')} or {w('positions')}, not both")
    _check_exact_size(n, m, "cells", "for 1-D positions use wasserstein_1d, which needs no matrix")
    if cost is not None:
        c = _as_float_array(cost, "cost")
        if c.shape != (n, m):
            raise ArgumentError("cost", lambda w: f"{w('cost')} must have shape ({w.size('a')}, {w.size('b')}) = "
                                                  f"{(n, m)}, got {c.shape}")
        _check_finite(c, "cost")
        if (c < 0).any():
            i, j = (int(k) for k in np.argwhere(c < 0)[0])
            raise ArgumentError("cost", lambda w: f"{w('cost')} must be non-negative, but {w.entry('cost', i, j)} = "
                                                  f"{c[i, j]:g}")
        return c, None
    if n != m:
        raise ArgumentError("b", lambda w: (
            f"{w('a')} has {n} cells and {w('b')} has {m}: positions describe one shared support, so they need the "
            f"same length; for different supports pass {w('cost')}, a cost matrix of shape ({w.size('a')}, "
            f"{w.size('b')})"))
    pos = _positions(np.arange(1.0, n + 1) if positions is None else positions, n)
    return cdist(pos, pos), pos
