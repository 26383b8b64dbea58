"""Input checks shared by the distance functions: bad input fails the same way, with the same words, everywhere."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from scipy.spatial.distance import cdist

from gandojo.errors import ArgumentError
from gandojo.i18n import N_, _

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
        raise ArgumentError(name, lambda n: _("{name} must be an array of numbers, got the string {x!r}").format(
            name=n(name), x=x))
    try:
        arr = np.asarray(x)
    except ValueError as exc:  # ragged nested lists
        reason = str(exc)
        raise ArgumentError(name, lambda n: _("{name} must be a rectangular array of numbers ({reason})").format(
            name=n(name), reason=reason)) from None
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise ArgumentError(name, lambda n: _("{name} must be an array of numbers, got dtype {dtype}").format(
            name=n(name), dtype=arr.dtype))
    if np.iscomplexobj(arr):
        raise ArgumentError(name, lambda n: _("{name} must be real, got complex values").format(name=n(name)))
    return arr.astype(np.float64, copy=False)


def _check_finite(arr: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ArgumentError(name, lambda n: _("{name} must be finite, but {entry} = {value}").format(
            name=n(name), entry=n.entry(name, *first), value=arr[first]))


def _values_1d(x: Any, name: str) -> np.ndarray:
    """A non-empty, finite 1-D array; an (n, 1) column is accepted as 1-D."""
    arr = _as_float_array(x, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ArgumentError(name, lambda n: _("{name} must be a 1-D array, got shape {shape}").format(
            name=n(name), shape=arr.shape))
    if arr.size == 0:
        raise ArgumentError(name, lambda n: _("{name} is empty; give at least one value").format(name=n(name)))
    _check_finite(arr, name)
    return arr


def _masses(x: Any, name: str, n: int | None = None) -> np.ndarray:
    """Non-negative, finite weights with a positive total (a histogram or sample weights)."""
    arr = _as_float_array(x, name)
    if arr.ndim != 1:
        raise ArgumentError(name, lambda n: _("{name} must be a 1-D array of masses, got shape {shape}").format(
            name=n(name), shape=arr.shape))
    if arr.size == 0:
        raise ArgumentError(name, lambda n: _("{name} is empty; give at least one mass").format(name=n(name)))
    if n is not None and arr.size != n:
        raise ArgumentError(name, lambda w: _("{name} has {size} entries but there are {n} values to weigh").format(
            name=w(name), size=arr.size, n=n))
    _check_finite(arr, name)
    if (arr < 0).any():
        i = int(np.argmax(arr < 0))
        raise ArgumentError(name, lambda n: _("{name} must be non-negative, but {entry} = {value:g}").format(
            name=n(name), entry=n.entry(name, i), value=arr[i]))
    if arr.sum() <= 0:
        raise ArgumentError(name, lambda n: _("{name} has zero total mass; at least one entry must be positive").format(
            name=n(name)))
    return arr


def _check_p(p: float) -> float:
    if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating):
        raise ValueError(_("p must be a number >= 1, got {p!r}").format(p=p))
    if not math.isfinite(p) or p < 1:
        raise ValueError(_("p must be a finite number >= 1 (W_p is not a distance for p < 1), got {p}").format(p=p))
    return float(p)


def _same_mass(a: np.ndarray, b: np.ndarray, renormalize: bool,
               names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Equal totals, or both scaled to 1 when the caller asks for it."""
    if renormalize:
        return a / a.sum(), b / b.sum()
    sa, sb = a.sum(), b.sum()
    if not math.isclose(sa, sb, rel_tol=_MASS_RTOL):
        raise ArgumentError(names[1], lambda n: _(
            "{a} and {b} have unequal total mass ({sa:g} and {sb:g}); transport moves mass, it does not create it. "
            "Pass {flag} to compare them as distributions").format(a=n(names[0]), b=n(names[1]), sa=sa, sb=sb,
                                                                  flag=n.flag("renormalize")))
    return a, b * (sa / sb)  # remove round-off so the solver sees exactly equal totals


def _positive_int(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(_("{name} must be a positive integer, got {value!r}").format(name=name, value=value))


def _check_normalize(kind: Any) -> None:
    if kind is not None and kind not in NORMALIZATIONS:
        choices = ", ".join(NORMALIZATIONS)
        raise ValueError(_("unknown normalisation {kind!r}; expected None or one of {choices}").format(
            kind=kind, choices=choices))


def _positions(positions: Any, n: int, name: str = "positions") -> np.ndarray:
    """Positions of shape (n,) or (n, d), returned as (n, d)."""
    arr = _as_float_array(positions, name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ArgumentError(name, lambda w: _("{name} must have shape (n,) or (n, d), got {shape}").format(
            name=w(name), shape=arr.shape))
    if arr.shape[0] != n:
        raise ArgumentError(name, lambda w: _("{name} has {count} entries but the histograms have {n} cells").format(
            name=w(name), count=arr.shape[0], n=n))
    _check_finite(arr, name)
    return arr


# Exact transport too large to hold in memory, between histograms (cells) or point clouds (points).
_TOO_LARGE = {"cells": N_("exact transport between {n} and {m} cells needs {n}x{m} dense matrices ({gb:.1f} GB)"),
              "points": N_("exact transport between {n} and {m} points needs {n}x{m} dense matrices ({gb:.1f} GB)")}


def _check_exact_size(n: int, m: int, what: str, hint: str) -> None:
    """``what``: ``"cells"`` or ``"points"``; ``hint``: what to do instead, a message marked with ``N_``."""
    if n * m > _EXACT_MAX_ENTRIES:
        problem = _(_TOO_LARGE[what]).format(n=n, m=m, gb=2 * 8 * n * m / 1e9)
        raise ValueError(_("{problem}; {hint}").format(problem=problem, hint=_(hint)))


def _ground_cost(n: int, m: int, cost: Any, positions: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """The (n, m) ground cost from an explicit matrix or from shared positions (default 1..n)."""
    if cost is not None and positions is not None:
        raise ArgumentError("cost", lambda w: _("give either {cost} or {positions}, not both").format(
            cost=w("cost"), positions=w("positions")))
    _check_exact_size(n, m, "cells", N_("for 1-D positions use wasserstein_1d, which needs no matrix"))
    if cost is not None:
        c = _as_float_array(cost, "cost")
        if c.shape != (n, m):
            raise ArgumentError("cost", lambda w: _("{name} must have shape ({rows}, {columns}) = {expected}, got "
                                                    "{shape}").format(name=w("cost"), rows=w.size("a"),
                                                                      columns=w.size("b"), expected=(n, m),
                                                                      shape=c.shape))
        _check_finite(c, "cost")
        if (c < 0).any():
            i, j = (int(k) for k in np.argwhere(c < 0)[0])
            raise ArgumentError("cost", lambda w: _("{name} must be non-negative, but {entry} = {value:g}").format(
                name=w("cost"), entry=w.entry("cost", i, j), value=c[i, j]))
        return c, None
    if n != m:
        raise ArgumentError("b", lambda w: _(
            "{a} has {n} cells and {b} has {m}: positions describe one shared support, so they need the same "
            "length; for different supports pass {cost}, a cost matrix of shape ({rows}, {columns})").format(
                a=w("a"), n=n, b=w("b"), m=m, cost=w("cost"), rows=w.size("a"), columns=w.size("b")))
    pos = _positions(np.arange(1.0, n + 1) if positions is None else positions, n)
    return cdist(pos, pos), pos
