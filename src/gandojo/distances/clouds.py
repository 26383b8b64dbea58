"""W_p between point clouds (n, d): exact (POT's network simplex on the full cost matrix) or the sliced
estimate (the mean W_p over random 1-D projections, a different and smaller quantity)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.spatial.distance import cdist

from gandojo.distances._checks import (
    _as_float_array,
    _check_exact_size,
    _check_finite,
    _check_p,
    _masses,
    _positive_int,
)
from gandojo.distances.one_d import _wpp_sorted_rows, wasserstein_1d
from gandojo.distances.plans import _solve_exact
from gandojo.errors import ArgumentError
from gandojo.i18n import N_, _

__all__ = ["CloudDistance", "CloudMethod", "cloud_distance", "resolve_method", "wasserstein"]

CloudMethod = Literal["exact", "sliced", "auto"]


def _cloud(x: Any, name: str) -> np.ndarray:
    arr = _as_float_array(x, name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ArgumentError(name, lambda w: _("{name} must have shape (n, d) (or (n,) for 1-D data), got "
                                              "{shape}").format(name=w(name), shape=arr.shape))
    if arr.shape[0] == 0:
        raise ArgumentError(name, lambda w: _("{name} is empty; give at least one point").format(name=w(name)))
    if arr.shape[1] == 0:
        raise ArgumentError(name, lambda w: _("{name} has points of dimension 0, shape {shape}").format(
            name=w(name), shape=arr.shape))
    _check_finite(arr, name)
    return arr


def _projections(d: int, n_projections: int, seed: int | None) -> np.ndarray:
    """(P, d) directions drawn uniformly on the unit sphere."""
    theta = np.random.default_rng(seed).standard_normal((n_projections, d))
    return theta / np.linalg.norm(theta, axis=1, keepdims=True)


def resolve_method(n: int, m: int, d: int, method: CloudMethod = "auto", *,
                   max_exact: int = 2000) -> Literal["exact", "sliced", "exact-1d"]:
    """Which computation :func:`wasserstein` does for clouds of n and m points in d dimensions.

    ``"exact-1d"`` (the sorted-CDF method) for d = 1 whatever the method; for d > 1, ``method``
    itself, with ``"auto"`` meaning exact up to ``max_exact`` points on either side and sliced above.

    Examples
    --------
    >>> resolve_method(1000, 1000, 2), resolve_method(5000, 5000, 2), resolve_method(10**6, 10**6, 1)
    ('exact', 'sliced', 'exact-1d')
    """
    if method not in ("exact", "sliced", "auto"):
        raise ValueError(_("method must be 'exact', 'sliced' or 'auto', got {method!r}").format(method=method))
    _positive_int(max_exact, "max_exact")
    if d == 1:
        return "exact-1d"
    if method == "auto":
        return "exact" if max(n, m) <= max_exact else "sliced"
    return method


def wasserstein(x: Any, y: Any, *, x_weights: Any = None, y_weights: Any = None, p: float = 1,
                method: CloudMethod = "exact", n_projections: int = 100, seed: int | None = 0,
                projections: Any = None, max_exact: int = 2000, num_iter_max: int = 10_000_000) -> float:
    r"""p-Wasserstein distance between two point clouds, with the Euclidean ground distance.

    .. math:: W_p(x, y) = \Big(\min_{\gamma} \sum_{ij} \gamma_{ij} \|x_i - y_j\|^p\Big)^{1/p}

    over couplings :math:`\gamma` of the two (weighted, normalised) empirical distributions.

    - ``method="exact"``: the exact value, by POT's network simplex on the dense (n, m) cost matrix
      (time grows roughly cubically; about half a second for 2,000 × 2,000 on one CPU core). Refused above
      10^8 matrix entries.
    - ``method="sliced"``: the sliced Wasserstein distance
      :math:`SW_p = (\mathbb{E}_\theta W_p^p(\theta^T x, \theta^T y))^{1/p}`, estimated with
      ``n_projections`` random directions drawn with ``seed``. It is a *different quantity*:
      :math:`SW_p \le W_p`, and in d dimensions it is typically several times smaller (about
      :math:`1/\sqrt{d}` for a shift). Compare sliced values only with sliced values.
    - ``method="auto"``: exact when both clouds have at most ``max_exact`` points, sliced above.

    1-D data (shape (n,) or (n, 1)) always gets the exact sorted-CDF value (:func:`wasserstein_1d`),
    which is fast for any size and equals the sliced distance in 1-D.

    Parameters
    ----------
    x : array_like, shape (n, d) or (n,)
    y : array_like, shape (m, d) or (m,)
    x_weights, y_weights : array_like, shapes (n,) and (m,), optional
        Non-negative weights (normalised to distributions); uniform when omitted.
    p : float, default 1
        Order, ``p >= 1``.
    method : {"exact", "sliced", "auto"}, default "exact"
    n_projections : int, default 100
        Directions for the sliced estimate.
    seed : int or None, default 0
        Seed of the directions (None: fresh randomness, not reproducible).
    projections : array_like, shape (P, d), optional
        Directions to use instead of random ones (rows are scaled to unit length). Reusing one set of
        directions for several comparisons removes the projection noise from their differences.
    max_exact : int, default 2000
        Largest cloud size that ``method="auto"`` solves exactly.
    num_iter_max : int, default 10_000_000
        Iteration limit of the exact solver.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Empty or non-finite clouds, different dimensions, bad weights, ``p < 1``, an unknown method,
        ``n_projections < 1``, or an exact problem too large to hold in memory.
    TransportError
        The exact solver did not reach an optimal plan.

    Examples
    --------
    >>> wasserstein([[0, 0], [1, 0]], [[0, 3], [1, 3]])
    3.0
    >>> wasserstein([0.0, 1.0], [1.0, 2.0])  # 1-D arrays: d = 1
    1.0
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(500, 8))
    >>> round(wasserstein(x, x + 1.0), 6)  # a shift by the vector (1, ..., 1), of length sqrt(8)
    2.828427
    >>> w = wasserstein(x, x + 1.0, method="sliced", n_projections=200)
    >>> 0.5 < w < 2.8  # the sliced distance is smaller (about 0.8 here)
    True
    """
    return cloud_distance(x, y, x_weights=x_weights, y_weights=y_weights, p=p, method=method,
                          n_projections=n_projections, seed=seed, projections=projections, max_exact=max_exact,
                          num_iter_max=num_iter_max).value


@dataclass(frozen=True)
class CloudDistance:
    """:func:`wasserstein`'s value with what was computed: ``method`` is ``"exact"``, ``"sliced"`` or
    ``"exact-1d"`` (:func:`resolve_method`), for clouds of ``n`` and ``m`` points in ``d`` dimensions."""

    value: float
    method: Literal["exact", "sliced", "exact-1d"]
    n: int
    m: int
    d: int


def cloud_distance(x: Any, y: Any, *, x_weights: Any = None, y_weights: Any = None, p: float = 1,
                   method: CloudMethod = "exact", n_projections: int = 100, seed: int | None = 0,
                   projections: Any = None, max_exact: int = 2000,
                   num_iter_max: int = 10_000_000) -> CloudDistance:
    """:func:`wasserstein`, saying which computation ran (the sliced estimate is a different quantity).

    >>> r = cloud_distance(np.zeros((5000, 2)), np.ones((5000, 2)), method="auto")
    >>> r.method, r.n, r.d
    ('sliced', 5000, 2)
    """
    p = _check_p(p)
    xs = _cloud(x, "x")
    ys = _cloud(y, "y")
    if xs.shape[1] != ys.shape[1]:
        raise ArgumentError("y", lambda w: _("{x} and {y} must have the same dimension, got {dx} and {dy}").format(
            x=w("x"), y=w("y"), dx=xs.shape[1], dy=ys.shape[1]))
    n, m, d = len(xs), len(ys), xs.shape[1]
    xw = None if x_weights is None else _masses(x_weights, "x_weights", n)
    yw = None if y_weights is None else _masses(y_weights, "y_weights", m)
    _positive_int(n_projections, "n_projections")
    method = resolve_method(n, m, d, method, max_exact=max_exact)
    if method == "exact-1d":
        return CloudDistance(wasserstein_1d(xs[:, 0], ys[:, 0], xw, yw, p=p), method, n, m, d)
    if method == "sliced":
        if projections is None:
            theta = _projections(d, int(n_projections), seed)
        else:
            theta = _as_float_array(projections, "projections")
            if theta.ndim != 2 or theta.shape[1] != d or theta.shape[0] == 0:
                raise ValueError(_("projections must have shape (P, {d}) with P >= 1, got {shape}").format(
                    d=d, shape=theta.shape))
            _check_finite(theta, "projections")
            norms = np.linalg.norm(theta, axis=1, keepdims=True)
            if (norms == 0).any():
                raise ValueError(_("projections contains a zero direction"))
            theta = theta / norms
        # (P, n): one row per direction, so each row's sort runs over contiguous memory
        wpp = _wpp_sorted_rows(theta @ xs.T, theta @ ys.T, xw, yw, p)
        return CloudDistance(float(np.mean(wpp) ** (1.0 / p)), method, n, m, d)
    _check_exact_size(n, m, "points", N_("use method='sliced' or 'auto', or subsample"))
    a = np.full(n, 1.0 / n) if xw is None else xw / xw.sum()
    b = np.full(m, 1.0 / m) if yw is None else yw / yw.sum()
    if p == 1:
        c = cdist(xs, ys)
    elif p == 2:
        c = cdist(xs, ys, "sqeuclidean")
    else:
        c = cdist(xs, ys) ** p
    _plan, total = _solve_exact(a, b, c, num_iter_max)
    return CloudDistance(float(total if p == 1 else max(total, 0.0) ** (1.0 / p)), method, n, m, d)
