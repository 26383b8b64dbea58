r"""The Wasserstein (earth mover's) toolkit: exact distances, transport plans, normalisation, divergences.

The Wasserstein distance answers "how much mass, moved how far, turns P into Q". For two histograms
:math:`a` (n cells) and :math:`b` (m cells) with equal total mass and a ground cost :math:`C_{ij}`
(the distance from cell i to cell j), the earth mover's cost is

.. math:: W(a, b) = \min_{\gamma \ge 0,\ \gamma 1 = a,\ \gamma^T 1 = b} \sum_{ij} \gamma_{ij} C_{ij}

and the minimising :math:`\gamma` (rows: from, columns: to) is the optimal transport plan.

What is here:

- :func:`wasserstein_1d`: exact :math:`W_p` between 1-D samples or weighted histograms (sorted-CDF
  method, any sizes, weights treated as distributions, as in ``scipy.stats.wasserstein_distance``).
- :func:`transport`: exact discrete optimal transport (POT's network simplex, result code checked),
  returning a :class:`TransportResult` with the raw cost, the plan, the normalisations and the moves.
- :func:`score_plan` / :func:`plan_cost`: check a hand-made plan and give its cost, to compare with
  the optimum.
- :func:`earth_movers_distance`: :func:`transport`'s cost, raw or normalised, as one number.
- :func:`wasserstein`: :math:`W_p` between point clouds of shape ``(n, d)``: exact, or sliced (an
  estimate of a different quantity) for large clouds.
- :func:`divergences`: KL both ways, Jensen–Shannon, total variation and :math:`W_1` of two
  histograms on one support.
- :func:`parallel_lines`: the WGAN paper's Example 1, where only W has a useful gradient.

Library semantics worth knowing when comparing numbers: ``scipy.stats.wasserstein_distance``
normalises its weights (as :func:`wasserstein_1d` does); ``ot.wasserstein_1d`` does not, and returns
:math:`W_p^p`; ``ot.dist``'s default metric is the *squared* Euclidean distance; ``ot.emd2`` returns
0.0 with only a warning when the solver fails, which is why :func:`transport` checks the result code.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import numpy as np
from scipy.spatial.distance import cdist
from scipy.special import rel_entr

from gandojo.errors import TransportError  # re-exported: defined where it imports nothing heavy

__all__ = [
    "Divergences",
    "Method",
    "Move",
    "Normalize",
    "ParallelLines",
    "TransportError",
    "TransportResult",
    "divergences",
    "earth_movers_distance",
    "parallel_lines",
    "plan_cost",
    "resolve_method",
    "score_plan",
    "transport",
    "wasserstein",
    "wasserstein_1d",
]

Normalize = Literal["mass", "max_distance", "mean_move"]
Method = Literal["exact", "sliced", "auto"]
NORMALIZATIONS: tuple[Normalize, ...] = ("mass", "max_distance", "mean_move")

# Relative tolerance for "equal total mass" and for a plan's marginals: loose enough for float
# round-off in sums, tight enough that a plan off by one cell in a million is rejected.
_MASS_RTOL = 1e-9
# Exact transport needs dense n x m matrices (cost and plan); above this many entries say so
# instead of trying to allocate gigabytes.
_EXACT_MAX_ENTRIES = 100_000_000




# --------------------------------------------------------------------------------------------------
# Input checks: every public function goes through these, so bad input fails the same way everywhere.


def _as_float_array(x: Any, name: str) -> np.ndarray:
    if isinstance(x, str | bytes):
        raise ValueError(f"{name} must be an array of numbers, got the string {x!r}")
    try:
        arr = np.asarray(x)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers ({exc})") from None
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise ValueError(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise ValueError(f"{name} must be real, got complex values")
    return arr.astype(np.float64, copy=False)


def _check_finite(arr: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} must be finite, but {name}[{', '.join(map(str, first))}] = {arr[first]}")


def _values_1d(x: Any, name: str) -> np.ndarray:
    """A non-empty, finite 1-D array; an (n, 1) column is accepted as 1-D."""
    arr = _as_float_array(x, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; give at least one value")
    _check_finite(arr, name)
    return arr


def _masses(x: Any, name: str, n: int | None = None) -> np.ndarray:
    """Non-negative, finite weights with a positive total (a histogram or sample weights)."""
    arr = _as_float_array(x, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of masses, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; give at least one mass")
    if n is not None and arr.size != n:
        raise ValueError(f"{name} has {arr.size} entries but there are {n} values to weigh")
    _check_finite(arr, name)
    if (arr < 0).any():
        i = int(np.argmax(arr < 0))
        raise ValueError(f"{name} must be non-negative, but {name}[{i}] = {arr[i]:g}")
    if arr.sum() <= 0:
        raise ValueError(f"{name} has zero total mass; at least one entry must be positive")
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
        raise ValueError(
            f"{names[0]} and {names[1]} have unequal total mass ({sa:g} and {sb:g}); transport moves mass, "
            "it does not create it. Pass renormalize=True to compare them as distributions"
        )
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
        raise ValueError(f"{name} must have shape (n,) or (n, d), got {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} entries but the histograms have {n} cells")
    _check_finite(arr, name)
    return arr


def _check_exact_size(n: int, m: int, what: str, hint: str) -> None:
    if n * m > _EXACT_MAX_ENTRIES:
        raise ValueError(f"exact transport between {n} and {m} {what} needs {n}x{m} dense matrices "
                         f"({2 * 8 * n * m / 1e9:.1f} GB); {hint}")


def _ground_cost(n: int, m: int, cost: Any, positions: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """The (n, m) ground cost from an explicit matrix or from shared positions (default 1..n)."""
    if cost is not None and positions is not None:
        raise ValueError("give either cost or positions, not both")
    _check_exact_size(n, m, "cells", "for 1-D positions use wasserstein_1d, which needs no matrix")
    if cost is not None:
        c = _as_float_array(cost, "cost")
        if c.shape != (n, m):
            raise ValueError(f"cost must have shape (len(a), len(b)) = {(n, m)}, got {c.shape}")
        _check_finite(c, "cost")
        if (c < 0).any():
            i, j = (int(k) for k in np.argwhere(c < 0)[0])
            raise ValueError(f"cost must be non-negative, but cost[{i}, {j}] = {c[i, j]:g}")
        return c, None
    if n != m:
        raise ValueError(
            f"a has {n} cells and b has {m}: positions describe one shared support, so they need the same "
            "length; for different supports pass a cost matrix of shape (len(a), len(b))"
        )
    pos = _positions(np.arange(1.0, n + 1) if positions is None else positions, n)
    return cdist(pos, pos), pos


# --------------------------------------------------------------------------------------------------
# 1-D: the sorted-CDF (quantile) method.


def _wpp_sorted_rows(u: np.ndarray, v: np.ndarray, u_w: np.ndarray | None, v_w: np.ndarray | None,
                     p: float) -> np.ndarray:
    r"""Exact :math:`W_p^p` for each row of u (R, n) against the same row of v (R, m).

    Weights (shared by all rows) are normalised to distributions. With no weights and n == m the
    optimal coupling pairs the sorted values, so W_p^p = mean |sort(u) - sort(v)|^p. Otherwise integrate
    |F^-1(t) - G^-1(t)|^p over t in (0, 1]: the quantile functions are constant between consecutive
    cumulative weights of either side, so merging the two cumulative sequences gives the intervals.
    """
    n, m = u.shape[1], v.shape[1]
    if u_w is None and v_w is None and n == m:
        return _mean_abs_pow(np.sort(u, axis=1) - np.sort(v, axis=1), p)

    def sorted_with_cdf(x: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        if w is None:
            xs = np.sort(x, axis=1)
            cdf = np.broadcast_to(np.arange(1, x.shape[1] + 1) / x.shape[1], x.shape)
        else:
            order = np.argsort(x, axis=1)
            xs = np.take_along_axis(x, order, axis=1)
            cdf = np.cumsum(w[order], axis=1)
            cdf = cdf / cdf[:, -1:]  # last entry exactly 1 on both sides
        return xs, cdf

    us, cu = sorted_with_cdf(u, u_w)
    vs, cv = sorted_with_cdf(v, v_w)
    t = np.concatenate([np.broadcast_to(cu, (len(us), n)), np.broadcast_to(cv, (len(vs), m))], axis=1)
    # Stable sort: within a tie, u's breakpoints come before v's, so the first element of every tie
    # carries the whole interval with the right quantile indices; the rest have zero width.
    order = np.argsort(t, axis=1, kind="stable")
    from_u = order < n
    iu = np.minimum(np.cumsum(from_u, axis=1) - from_u, n - 1)  # u breakpoints strictly before
    iv = np.minimum(np.cumsum(~from_u, axis=1) - ~from_u, m - 1)
    ts = np.take_along_axis(t, order, axis=1)
    width = np.diff(ts, axis=1, prepend=0.0)
    gap = np.take_along_axis(us, iu, axis=1) - np.take_along_axis(vs, iv, axis=1)
    if p == 1:
        return np.sum(width * np.abs(gap), axis=1)
    return np.sum(width * np.abs(gap) ** p, axis=1)


def _mean_abs_pow(d: np.ndarray, p: float) -> np.ndarray:
    if p == 1:
        return np.mean(np.abs(d), axis=1)
    if p == 2:
        return np.mean(d * d, axis=1)
    return np.mean(np.abs(d) ** p, axis=1)


def wasserstein_1d(u_values: Any, v_values: Any, u_weights: Any = None, v_weights: Any = None, *,
                   p: float = 1) -> float:
    r"""Exact p-Wasserstein distance between two 1-D samples or weighted histograms.

    .. math:: W_p(u, v) = \Big(\int_0^1 |F_u^{-1}(t) - F_v^{-1}(t)|^p \, dt\Big)^{1/p}

    where :math:`F^{-1}` are the quantile functions of the two (weighted) empirical distributions.
    Weights are treated as distributions (divided by their totals), so for ``p = 1`` the result equals
    ``scipy.stats.wasserstein_distance``; ``ot.wasserstein_1d`` with normalised weights returns the
    p-th power of this value. Cost: two sorts, O((n + m) log(n + m)).

    Accuracy: :math:`W_p^p` is exact up to float64 round-off relative to (value range)^p; for p > 1
    and a distance near 0 the p-th root magnifies that (1e-14 in :math:`W_2^2` is 1e-7 in
    :math:`W_2`), as in scipy and POT.

    Parameters
    ----------
    u_values : array_like, shape (n,)
        Sample values (or histogram positions) of the first distribution; an (n, 1) column works too.
    v_values : array_like, shape (m,)
        Those of the second; n and m may differ.
    u_weights : array_like, shape (n,), optional
        Non-negative weights of ``u_values`` with a positive total; uniform when omitted.
    v_weights : array_like, shape (m,), optional
        Same for ``v_values``.
    p : float, default 1
        Order, ``p >= 1``.

    Returns
    -------
    float
        :math:`W_p`, in the units of the values.

    Raises
    ------
    ValueError
        Empty, non-finite or non-1-D values; negative, non-finite, mismatched or all-zero weights;
        ``p < 1``.

    Examples
    --------
    Lilian Weng's histograms P = (3, 2, 1, 4) and Q = (1, 2, 4, 3) on four adjacent cells: 5 cells
    of 10 move one step each, 0.5 per unit of mass.

    >>> cells = [0, 1, 2, 3]
    >>> wasserstein_1d(cells, cells, [3, 2, 1, 4], [1, 2, 4, 3])
    0.5
    >>> wasserstein_1d([0.0, 1.0, 3.0], [5.0, 6.0, 8.0])  # a shift by 5
    5.0
    >>> wasserstein_1d([0.0], [1.0, 3.0], p=2) == (0.5 * 1 + 0.5 * 9) ** 0.5
    True
    """
    p = _check_p(p)
    u = _values_1d(u_values, "u_values")
    v = _values_1d(v_values, "v_values")
    uw = None if u_weights is None else _masses(u_weights, "u_weights", len(u))
    vw = None if v_weights is None else _masses(v_weights, "v_weights", len(v))
    wpp = _wpp_sorted_rows(u[None, :], v[None, :], uw, vw, p)[0]
    return float(wpp if p == 1 else wpp ** (1.0 / p))


# --------------------------------------------------------------------------------------------------
# Discrete transport between histograms.


class Move(NamedTuple):
    """One entry of a transport plan that actually moves mass (ground distance > 0)."""

    source: int  # row index (0-based)
    target: int  # column index (0-based)
    amount: float
    distance: float  # ground cost per unit moved


def _fmt_amount(x: float) -> str:
    return str(int(round(x))) if abs(x - round(x)) < 1e-9 * max(1.0, abs(x)) else f"{x:.4g}"


@dataclass(frozen=True, eq=False)
class TransportResult:
    r"""A transport plan between two histograms and what it costs.

    Attributes
    ----------
    distance : float
        Raw total cost :math:`\sum_{ij} \gamma_{ij} C_{ij}` (mass times distance), in mass units times
        distance units: 8 for the worked example of 14 cells.
    plan : ndarray, shape (n, m)
        :math:`\gamma_{ij}`, the mass moved from cell i of ``a`` (rows) to cell j of ``b`` (columns).
        Optimal plans are often not unique: compare costs, not plans.
    cost : ndarray, shape (n, m)
        The ground cost :math:`C_{ij}` (distance from i to j).
    a, b : ndarray, shapes (n,) and (m,)
        The two histograms (after any renormalisation).
    positions : ndarray, shape (n, d), or None
        Shared positions of the cells when the cost came from positions; None for a given cost matrix.
    optimal : bool
        True when the plan came from the exact solver, False for a plan given by the caller.
    """

    distance: float
    plan: np.ndarray
    cost: np.ndarray
    a: np.ndarray
    b: np.ndarray
    positions: np.ndarray | None
    optimal: bool

    def __post_init__(self) -> None:
        for arr in (self.plan, self.cost, self.a, self.b, self.positions):
            if arr is not None:
                arr.setflags(write=False)

    @property
    def mass(self) -> float:
        """Total mass moved from ``a`` to ``b`` (the sum of either histogram)."""
        return float(self.a.sum())

    @property
    def max_distance(self) -> float:
        """Largest ground distance between a cell holding mass in ``a`` and one holding mass in ``b``."""
        return float(self.cost[np.ix_(self.a > 0, self.b > 0)].max())

    @property
    def moved_mass(self) -> float:
        """Mass that this plan sends a positive distance (the rest stays where it is)."""
        return float(self.plan[self.cost > 0].sum())

    def normalized(self, kind: Normalize | None) -> float:
        r"""The cost raw or normalised, one of the three ways of making it comparable.

        Parameters
        ----------
        kind : {None, "mass", "max_distance", "mean_move"}
            - None: the raw total cost (mass × distance).
            - ``"mass"``: divided by the total mass, the average cost per unit of mass; for unit-mass
              histograms it is the Wasserstein-1 distance. Averaged over *all* the mass, the mean move
              distance is this same number.
            - ``"max_distance"``: the per-mass value divided by the largest ground distance between the
              supports, a number in [0, 1] that does not change when positions are rescaled.
            - ``"mean_move"``: the raw cost divided by the mass that *this plan* moves (mass sent a
              positive distance): how far, on average, moved mass travels. Not a property of P and Q
              alone: another optimal plan with the same cost may move more mass shorter distances
              (in the worked example one optimal plan gives 8/8 = 1.0, another 8/3 ≈ 2.67). Report it
              with the plan it was computed on.

            0/0 (nothing moves, or every cell at one point) is reported as 0.0.

        Returns
        -------
        float

        Examples
        --------
        >>> r = transport([6, 4, 3, 1], [3, 4, 4, 3], positions=[1, 2, 3, 4])
        >>> r.normalized(None), round(r.normalized("mass"), 4), round(r.normalized("max_distance"), 4)
        (8.0, 0.5714, 0.1905)
        """
        _check_normalize(kind)
        if kind is None:
            return self.distance
        if kind == "mass":
            return self.distance / self.mass
        if kind == "max_distance":
            top = self.max_distance
            return 0.0 if top == 0 else self.distance / self.mass / top
        moved = self.moved_mass  # "mean_move"
        return 0.0 if moved == 0 else self.distance / moved

    @property
    def flows(self) -> tuple[Move, ...]:
        """The plan's entries that move mass a positive distance, row by row."""
        rows, cols = np.nonzero((self.plan > 0) & (self.cost > 0))
        return tuple(Move(int(i), int(j), float(self.plan[i, j]), float(self.cost[i, j]))
                     for i, j in zip(rows, cols, strict=True))

    @property
    def moves(self) -> tuple[str, ...]:
        """The plan in words: ``"3 cells from x1 to x2 (distance 1)"``.

        Cells are numbered from 1. With a given cost matrix (two supports) rows are ``a1, a2, ...`` and
        columns ``b1, b2, ...``. Integer amounts are called cells; fractional ones are printed bare.
        """
        shared = self.positions is not None
        whole = bool(np.allclose(self.plan, np.round(self.plan), rtol=0, atol=1e-9))
        out = []
        for mv in self.flows:
            src = f"x{mv.source + 1}" if shared else f"a{mv.source + 1}"
            dst = f"x{mv.target + 1}" if shared else f"b{mv.target + 1}"
            amount = _fmt_amount(mv.amount) + (" cells" if whole else "")
            if whole and round(mv.amount) == 1:
                amount = "1 cell"
            out.append(f"{amount} from {src} to {dst} (distance {_fmt_amount(mv.distance)})")
        return tuple(out)

    def __repr__(self) -> str:
        n, m = self.plan.shape
        kind = "optimal" if self.optimal else "given"
        return (f"TransportResult(distance={self.distance:.6g}, mass={self.mass:.6g}, {kind} plan {n}x{m}, "
                f"{len(self.flows)} moves)")


def _solve_exact(a: np.ndarray, b: np.ndarray, cost: np.ndarray,
                 num_iter_max: int) -> tuple[np.ndarray, float]:
    """POT's network simplex, with its result code turned into an error instead of a warning."""
    _positive_int(num_iter_max, "num_iter_max")
    # Solve for about unit mass and scale back: the optimum is linear in the mass, and the simplex's
    # feasibility test is absolute, so totals near 1e16 (or 1e-16) would otherwise be called infeasible.
    # A power of two keeps the scaling exact (the worked example still costs exactly 8).
    mass = 2.0 ** round(math.log2(a.sum()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import ot  # POT takes about half a second to import: only the exact solver needs it

        plan, log = ot.emd(a / mass, b / mass, np.ascontiguousarray(cost), numItermax=int(num_iter_max),
                           log=True)
    code = int(log["result_code"])
    if code != 1:  # 1 is OPTIMAL; 0 infeasible, 2 unbounded, 3 iteration limit
        hint = f"; raise num_iter_max (now {num_iter_max})" if code == 3 else ""
        raise TransportError(f"exact transport failed (POT result code {code}: {log['warning']}){hint}")
    for w in caught:  # anything other than the result-code message goes back to the caller
        if str(w.message) != str(log["warning"]):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    plan = plan * mass
    total = float(log["cost"]) * mass  # sum(plan * cost), computed by the solver
    scale = a.sum()
    if not (math.isfinite(total)
            and np.allclose(plan.sum(axis=1), a, rtol=1e-7, atol=1e-12 * scale)
            and np.allclose(plan.sum(axis=0), b, rtol=1e-7, atol=1e-12 * scale)):
        raise TransportError("exact transport returned a plan whose marginals do not match a and b")
    return plan, total


def transport(a: Any, b: Any, cost: Any = None, *, positions: Any = None, renormalize: bool = False,
              num_iter_max: int = 10_000_000) -> TransportResult:
    r"""Exact optimal transport between two histograms: the earth mover's plan and its cost.

    Solves :math:`\min_\gamma \sum_{ij} \gamma_{ij} C_{ij}` subject to :math:`\gamma \ge 0`,
    :math:`\gamma 1 = a`, :math:`\gamma^T 1 = b` with POT's network simplex (``ot.emd``), and checks
    its result code: an infeasible, unbounded or unfinished solve raises :class:`TransportError`
    (``ot.emd2`` itself would return 0.0 with a warning).

    Parameters
    ----------
    a : array_like, shape (n,)
        Masses to move (rows of the plan): non-negative, finite, positive total.
    b : array_like, shape (m,)
        Masses to receive (columns), with the same total as ``a`` unless ``renormalize``.
    cost : array_like, shape (n, m), optional
        Ground cost :math:`C_{ij}` of moving one unit from cell i to cell j; non-negative and finite.
    positions : array_like, shape (n,) or (n, d), optional
        Positions of the cells of one shared support (needs n == m); the cost is the Euclidean distance
        :math:`|x_i - x_j|`. Without ``cost`` or ``positions`` the cells sit at 1, 2, ..., n.
    renormalize : bool, default False
        Scale ``a`` and ``b`` to unit mass each. Without it, unequal totals are an error.
    num_iter_max : int, default 10_000_000
        Iteration limit of the network simplex.

    Returns
    -------
    TransportResult
        ``.distance`` (raw total cost), ``.plan``, ``.mass``, ``.normalized(kind)``, ``.moves``.

    Raises
    ------
    ValueError
        Bad histograms, unequal masses, a cost of the wrong shape or with negative entries, both
        ``cost`` and ``positions``.
    TransportError
        The solver did not reach an optimal plan.

    Examples
    --------
    The worked example: P = [6, 4, 3, 1] and Q = [3, 4, 4, 3] at x = 1..4, 14 cells each.

    >>> r = transport([6, 4, 3, 1], [3, 4, 4, 3], positions=[1, 2, 3, 4])
    >>> r.distance, r.mass, round(r.normalized("mass"), 4)
    (8.0, 14.0, 0.5714)
    >>> plan_cost([[3, 3, 0, 0], [0, 1, 3, 0], [0, 0, 1, 2], [0, 0, 0, 1]], [6, 4, 3, 1], [3, 4, 4, 3])
    8.0

    The scale example: the same shapes on [0, 1] and on [0, 1000] (unit mass).

    >>> P, Q = [0.2, 0.2, 0.2, 0.2, 0.2], [0.0, 0.2, 0.2, 0.2, 0.4]
    >>> small = transport(P, Q, positions=[0, 0.25, 0.5, 0.75, 1])
    >>> large = transport(P, Q, positions=[0, 250, 500, 750, 1000])
    >>> round(small.distance, 6), round(large.distance, 6)
    (0.2, 200.0)
    >>> round(small.normalized("max_distance"), 6), round(large.normalized("max_distance"), 6)
    (0.2, 0.2)
    """
    a_arr = _masses(a, "a")
    b_arr = _masses(b, "b")
    a_arr, b_arr = _same_mass(a_arr, b_arr, renormalize, ("a", "b"))
    c, pos = _ground_cost(len(a_arr), len(b_arr), cost, positions)
    plan, total = _solve_exact(a_arr, b_arr, c, num_iter_max)
    return TransportResult(total, plan, c, a_arr, b_arr, pos, optimal=True)


def score_plan(plan: Any, a: Any, b: Any, cost: Any = None, *, positions: Any = None) -> TransportResult:
    r"""Check a hand-made transport plan and describe it like :func:`transport` describes the optimum.

    The plan must be non-negative with row sums ``a`` and column sums ``b`` (relative tolerance
    1e-9): it must move exactly the mass of P onto exactly the mass of Q.

    Parameters
    ----------
    plan : array_like, shape (n, m)
        :math:`\gamma_{ij}`, the mass moved from cell i of ``a`` to cell j of ``b``.
    a, b, cost, positions
        As in :func:`transport` (``a`` and ``b`` must have equal mass).

    Returns
    -------
    TransportResult
        With ``optimal=False``; ``.distance`` is :math:`\sum_{ij} \gamma_{ij} C_{ij}`.

    Raises
    ------
    ValueError
        A plan of the wrong shape, with negative or non-finite entries, or whose row / column sums are
        not ``a`` / ``b``; or any input :func:`transport` rejects.

    Examples
    --------
    Two non-optimal plans for the worked example (the optimum costs 8):

    >>> P, Q = [6, 4, 3, 1], [3, 4, 4, 3]
    >>> score_plan([[3, 0, 0, 3], [0, 4, 0, 0], [0, 0, 3, 0], [0, 0, 1, 0]], P, Q).distance
    10.0
    >>> score_plan([[3, 0, 0, 3], [0, 3, 1, 0], [0, 0, 3, 0], [0, 1, 0, 0]], P, Q).moves
    ('3 cells from x1 to x4 (distance 3)', '1 cell from x2 to x3 (distance 1)',
     '1 cell from x4 to x2 (distance 2)')
    """
    a_arr = _masses(a, "a")
    b_arr = _masses(b, "b")
    a_arr, b_arr = _same_mass(a_arr, b_arr, False, ("a", "b"))
    c, pos = _ground_cost(len(a_arr), len(b_arr), cost, positions)
    g = _as_float_array(plan, "plan")
    if g.shape != c.shape:
        raise ValueError(f"plan must have shape (len(a), len(b)) = {c.shape}, got {g.shape}")
    _check_finite(g, "plan")
    if (g < 0).any():
        i, j = (int(k) for k in np.argwhere(g < 0)[0])
        raise ValueError(f"plan must be non-negative, but plan[{i}, {j}] = {g[i, j]:g}")
    tol = _MASS_RTOL * a_arr.sum()
    for axis, target, what, name in ((1, a_arr, "row", "a"), (0, b_arr, "column", "b")):
        sums = g.sum(axis=axis)
        off = np.abs(sums - target) > tol
        if off.any():
            k = int(np.argmax(off))
            raise ValueError(
                f"plan's {what} sums must equal {name}: {what} {k} sums to {sums[k]:g} but "
                f"{name}[{k}] = {target[k]:g} (sums {_fmt_list(sums)}, {name} {_fmt_list(target)})"
            )
    return TransportResult(float(np.sum(g * c)), g, c, a_arr, b_arr, pos, optimal=False)


def _fmt_list(x: np.ndarray) -> str:
    return "[" + ", ".join(_fmt_amount(float(v)) for v in x) + "]"


def plan_cost(plan: Any, a: Any, b: Any, cost: Any = None, *, positions: Any = None) -> float:
    r"""The cost :math:`\sum_{ij} \gamma_{ij} C_{ij}` of a user's plan, after checking its marginals.

    Shorthand for ``score_plan(plan, a, b, cost, positions=positions).distance``; see
    :func:`score_plan` for the parameters and the checks.

    Examples
    --------
    >>> plan_cost([[3, 0, 0, 3], [0, 3, 1, 0], [0, 0, 3, 0], [0, 1, 0, 0]], [6, 4, 3, 1], [3, 4, 4, 3])
    12.0
    >>> plan_cost([[6, 0], [0, 4]], [6, 4], [5, 5])
    Traceback (most recent call last):
    ...
    ValueError: plan's column sums must equal b: column 0 sums to 6 but b[0] = 5 (sums [6, 4], b [5, 5])
    """
    return score_plan(plan, a, b, cost, positions=positions).distance


def earth_movers_distance(a: Any, b: Any, cost: Any = None, *, positions: Any = None,
                          normalize: Normalize | None = None, renormalize: bool = False) -> float:
    """The optimal transport cost between two histograms as one number, raw or normalised.

    ``transport(a, b, cost, positions=positions, renormalize=renormalize).normalized(normalize)``;
    see :meth:`TransportResult.normalized` for the meaning of each ``normalize``.

    Examples
    --------
    >>> earth_movers_distance([6, 4, 3, 1], [3, 4, 4, 3])
    8.0
    >>> round(earth_movers_distance([6, 4, 3, 1], [3, 4, 4, 3], normalize="mass"), 4)
    0.5714
    >>> earth_movers_distance([3, 2, 1, 4], [1, 2, 4, 3], normalize="mass")
    0.5
    """
    _check_normalize(normalize)
    return transport(a, b, cost, positions=positions, renormalize=renormalize).normalized(normalize)


# --------------------------------------------------------------------------------------------------
# Point clouds.


def _cloud(x: Any, name: str) -> np.ndarray:
    arr = _as_float_array(x, name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (n, d) (or (n,) for 1-D data), got {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty; give at least one point")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has points of dimension 0, shape {arr.shape}")
    _check_finite(arr, name)
    return arr


def _projections(d: int, n_projections: int, seed: int | None) -> np.ndarray:
    """(P, d) directions drawn uniformly on the unit sphere."""
    theta = np.random.default_rng(seed).standard_normal((n_projections, d))
    return theta / np.linalg.norm(theta, axis=1, keepdims=True)


def resolve_method(n: int, m: int, d: int, method: Method = "auto", *,
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
        raise ValueError(f"method must be 'exact', 'sliced' or 'auto', got {method!r}")
    _positive_int(max_exact, "max_exact")
    if d == 1:
        return "exact-1d"
    if method == "auto":
        return "exact" if max(n, m) <= max_exact else "sliced"
    return method


def wasserstein(x: Any, y: Any, *, x_weights: Any = None, y_weights: Any = None, p: float = 1,
                method: Method = "exact", n_projections: int = 100, seed: int | None = 0,
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
    p = _check_p(p)
    xs = _cloud(x, "x")
    ys = _cloud(y, "y")
    if xs.shape[1] != ys.shape[1]:
        raise ValueError(f"x and y must have the same dimension, got {xs.shape[1]} and {ys.shape[1]}")
    n, m, d = len(xs), len(ys), xs.shape[1]
    xw = None if x_weights is None else _masses(x_weights, "x_weights", n)
    yw = None if y_weights is None else _masses(y_weights, "y_weights", m)
    _positive_int(n_projections, "n_projections")
    method = resolve_method(n, m, d, method, max_exact=max_exact)
    if method == "exact-1d":
        return wasserstein_1d(xs[:, 0], ys[:, 0], xw, yw, p=p)
    if method == "sliced":
        if projections is None:
            theta = _projections(d, int(n_projections), seed)
        else:
            theta = _as_float_array(projections, "projections")
            if theta.ndim != 2 or theta.shape[1] != d or theta.shape[0] == 0:
                raise ValueError(f"projections must have shape (P, {d}) with P >= 1, got {theta.shape}")
            _check_finite(theta, "projections")
            norms = np.linalg.norm(theta, axis=1, keepdims=True)
            if (norms == 0).any():
                raise ValueError("projections contains a zero direction")
            theta = theta / norms
        # (P, n): one row per direction, so each row's sort runs over contiguous memory
        wpp = _wpp_sorted_rows(theta @ xs.T, theta @ ys.T, xw, yw, p)
        return float(np.mean(wpp) ** (1.0 / p))
    _check_exact_size(n, m, "points", "use method='sliced' or 'auto', or subsample")
    a = np.full(n, 1.0 / n) if xw is None else xw / xw.sum()
    b = np.full(m, 1.0 / m) if yw is None else yw / yw.sum()
    if p == 1:
        c = cdist(xs, ys)
    elif p == 2:
        c = cdist(xs, ys, "sqeuclidean")
    else:
        c = cdist(xs, ys) ** p
    _, total = _solve_exact(a, b, c, num_iter_max)
    return float(total if p == 1 else max(total, 0.0) ** (1.0 / p))


# --------------------------------------------------------------------------------------------------
# Divergences and the WGAN paper's Example 1.


@dataclass(frozen=True)
class Divergences:
    """Divergences between two distributions on one support (all in nats unless stated).

    Attributes
    ----------
    kl_pq : float
        KL(P ‖ Q) = Σ p log(p / q); infinite where Q misses mass that P has.
    kl_qp : float
        KL(Q ‖ P).
    js : float
        Jensen–Shannon divergence with the ½ convention, ½ KL(P ‖ M) + ½ KL(Q ‖ M), M = (P + Q) / 2;
        between 0 and log 2 ≈ 0.693.
    js_bits : float
        The same in bits (between 0 and 1).
    tv : float
        Total variation ½ Σ |p − q|, between 0 and 1.
    w1 : float
        Wasserstein-1 per unit mass, in the units of the positions.
    """

    kl_pq: float
    kl_qp: float
    js: float
    js_bits: float
    tv: float
    w1: float

    def as_dict(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in ("kl_pq", "kl_qp", "js", "js_bits", "tv", "w1")}


def divergences(p: Any, q: Any, *, positions: Any = None, renormalize: bool = False) -> Divergences:
    r"""KL both ways, Jensen–Shannon, total variation and W1 between two histograms on one support.

    Both histograms are divided by their (equal) total mass to become distributions P and Q; then

    .. math::
        KL(P\|Q) = \sum_i p_i \log\frac{p_i}{q_i}, \quad
        JS = \tfrac12 KL(P\|M) + \tfrac12 KL(Q\|M),\ M = \tfrac{P + Q}{2}, \quad
        TV = \tfrac12 \sum_i |p_i - q_i|

    (natural log; :math:`0 \log 0 = 0`; KL is :math:`+\infty` when some :math:`q_i = 0 < p_i`), and W1 is
    :func:`wasserstein_1d` on the positions. KL, JS and TV only look at cell-by-cell differences; W1 also
    sees how far apart the cells are.

    Parameters
    ----------
    p, q : array_like, shape (n,)
        Non-negative histograms on the same n cells, with equal totals unless ``renormalize``.
    positions : array_like, shape (n,), optional
        Positions of the cells for W1; 1, 2, ..., n when omitted.
    renormalize : bool, default False
        Normalise each histogram on its own; without it, unequal totals are an error.

    Returns
    -------
    Divergences

    Examples
    --------
    >>> d = divergences([6, 4, 3, 1], [3, 4, 4, 3])
    >>> round(d.tv, 4), round(d.w1, 4)
    (0.2143, 0.5714)
    >>> d = divergences([1, 0], [0, 1])  # disjoint supports: JS saturates at log 2, KL is infinite
    >>> round(d.js, 4), d.js_bits, d.kl_pq, d.tv
    (0.6931, 1.0, inf, 1.0)
    """
    pa = _masses(p, "p")
    qa = _masses(q, "q")
    if len(pa) != len(qa):
        raise ValueError(f"p and q must be histograms on the same support, got {len(pa)} and {len(qa)} cells")
    pa, qa = _same_mass(pa, qa, renormalize, ("p", "q"))
    pa, qa = pa / pa.sum(), qa / qa.sum()
    pos = np.arange(1.0, len(pa) + 1) if positions is None else _values_1d(positions, "positions")
    if len(pos) != len(pa):
        raise ValueError(f"positions has {len(pos)} entries but the histograms have {len(pa)} cells")
    # KL and JS are >= 0 (Gibbs' inequality); single terms can be negative, and round-off in their sum
    # can leave a total of -1e-17, which would break e.g. sqrt(KL), so clip at 0.
    def kl(x: np.ndarray, y: np.ndarray) -> float:
        return max(0.0, float(np.sum(rel_entr(x, y))))

    mid = 0.5 * (pa + qa)
    js = min(math.log(2), 0.5 * kl(pa, mid) + 0.5 * kl(qa, mid))
    return Divergences(
        kl_pq=kl(pa, qa),
        kl_qp=kl(qa, pa),
        js=js,
        js_bits=js / math.log(2),
        tv=min(1.0, 0.5 * float(np.abs(pa - qa).sum())),  # round-off can give 1 + 2e-16
        w1=wasserstein_1d(pos, pos, pa, qa),
    )


@dataclass(frozen=True)
class ParallelLines:
    """Values and θ-gradients of four distances between P0 and Pθ (see :func:`parallel_lines`).

    Each field is a float for a scalar θ and an array of θ's shape otherwise.
    """

    theta: Any
    w: Any
    js: Any
    kl: Any
    tv: Any
    grad_w: Any
    grad_js: Any
    grad_kl: Any
    grad_tv: Any


def parallel_lines(theta: Any) -> ParallelLines:
    r"""The WGAN paper's Example 1: two parallel lines, where only W gives a useful gradient.

    :math:`P_0` is the law of :math:`(0, Z)` and :math:`P_\theta` that of :math:`(\theta, Z)`,
    :math:`Z \sim U[0, 1]`: two vertical segments a distance :math:`|\theta|` apart. Then

    .. math::
        W(P_0, P_\theta) = |\theta|, \quad
        JS = \begin{cases}\log 2 & \theta \ne 0\\ 0 & \theta = 0\end{cases}, \quad
        KL = \begin{cases}+\infty & \theta \ne 0\\ 0 & \theta = 0\end{cases}, \quad
        TV = \begin{cases}1 & \theta \ne 0\\ 0 & \theta = 0\end{cases}

    (JS with the ½ convention, in nats; KL both ways). As functions of θ, JS, KL and TV are constant
    away from 0 (gradient 0: a generator following them learns nothing about which way to move) and jump
    at 0, while W is continuous with gradient :math:`\mathrm{sign}(\theta)`, pointing towards
    :math:`\theta = 0` from everywhere. At θ = 0 none of them is differentiable; the gradients are
    reported as 0 there (the minimum; 0 is a subgradient of W).

    Parameters
    ----------
    theta : float or array_like
        Offsets of the second line; finite.

    Returns
    -------
    ParallelLines
        ``w, js, kl, tv`` and ``grad_w, grad_js, grad_kl, grad_tv``; floats for a scalar θ, arrays
        otherwise.

    Examples
    --------
    >>> r = parallel_lines(0.5)
    >>> r.w, round(r.js, 4), r.kl, r.tv
    (0.5, 0.6931, inf, 1.0)
    >>> r.grad_w, r.grad_js, r.grad_kl, r.grad_tv
    (1.0, 0.0, 0.0, 0.0)
    >>> parallel_lines([-1.0, 0.0]).w
    array([1., 0.])
    """
    t = _as_float_array(theta, "theta")
    _check_finite(t, "theta")
    apart = t != 0
    out = {
        "w": np.abs(t),
        "js": np.where(apart, math.log(2), 0.0),
        "kl": np.where(apart, np.inf, 0.0),
        "tv": np.where(apart, 1.0, 0.0),
        "grad_w": np.sign(t) + 0.0,  # + 0.0 turns sign(-0.0) = -0.0 into 0.0
        "grad_js": np.zeros_like(t),
        "grad_kl": np.zeros_like(t),
        "grad_tv": np.zeros_like(t),
    }
    if t.ndim == 0:
        return ParallelLines(theta=float(t), **{k: float(v) for k, v in out.items()})
    return ParallelLines(theta=t, **out)
