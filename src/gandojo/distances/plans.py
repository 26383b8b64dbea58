"""Discrete optimal transport between histograms: the exact plan (POT's network simplex, result code checked),
hand-made plans checked and scored, the normalisations, and the plan told in words."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from gandojo.distances._checks import (
    _MASS_RTOL,
    Normalize,
    _as_float_array,
    _check_finite,
    _check_normalize,
    _ground_cost,
    _masses,
    _positive_int,
    _same_mass,
)
from gandojo.errors import ArgumentError, TransportError
from gandojo.formatting import short_number
from gandojo.i18n import N_, _, ngettext

__all__ = ["Move", "TransportResult", "earth_movers_distance", "plan_cost", "score_plan", "transport"]


class Move(NamedTuple):
    """One entry of a transport plan that actually moves mass (ground distance > 0)."""

    source: int  # row index (0-based)
    target: int  # column index (0-based)
    amount: float
    distance: float  # ground cost per unit moved


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
            amount = (ngettext("{n} cell", "{n} cells", round(mv.amount)) if whole else "{n}").format(
                n=short_number(mv.amount))
            out.append(_("{amount} from {source} to {target} (distance {distance})").format(
                amount=amount, source=src, target=dst, distance=short_number(mv.distance)))
        return tuple(out)

    def excess_cost(self, optimum: TransportResult) -> float:
        """How much more this plan costs than ``optimum`` (0.0 within round-off: this plan is optimal too).

        >>> P, Q = [6, 4, 3, 1], [3, 4, 4, 3]
        >>> score_plan([[3, 0, 0, 3], [0, 4, 0, 0], [0, 0, 3, 0], [0, 0, 1, 0]], P, Q).excess_cost(transport(P, Q))
        2.0
        """
        extra = self.distance - optimum.distance
        return 0.0 if extra <= 1e-9 * max(1.0, optimum.distance) else extra

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
        raise ArgumentError("plan", lambda w: _("{name} must have shape ({rows}, {columns}) = {expected}, got "
                                                "{shape}").format(name=w("plan"), rows=w.size("a"),
                                                                  columns=w.size("b"), expected=c.shape,
                                                                  shape=g.shape))
    _check_finite(g, "plan")
    if (g < 0).any():
        i, j = (int(k) for k in np.argwhere(g < 0)[0])
        raise ArgumentError("plan", lambda w: _("{name} must be non-negative, but {entry} = {value:g}").format(
            name=w("plan"), entry=w.entry("plan", i, j), value=g[i, j]))
    tol = _MASS_RTOL * a_arr.sum()
    for axis, target, what, name, message in (
            (1, a_arr, "row", "a", N_("{plan}'s row sums must equal {name}: {line} sums to {sum:g} but {entry} = "
                                      "{target:g} (sums {sums}, {name} {targets})")),
            (0, b_arr, "column", "b", N_("{plan}'s column sums must equal {name}: {line} sums to {sum:g} but "
                                         "{entry} = {target:g} (sums {sums}, {name} {targets})"))):
        sums = g.sum(axis=axis)
        off = np.abs(sums - target) > tol
        if off.any():
            k = int(np.argmax(off))
            raise ArgumentError("plan", lambda w, what=what, name=name, message=message, k=k, sums=sums,
                                target=target: _(message).format(
                plan=w("plan"), name=w(name), line=w.line(what, k), sum=sums[k], entry=w.entry(name, k),
                target=target[k], sums=_fmt_list(sums), targets=_fmt_list(target)))
    return TransportResult(float(np.sum(g * c)), g, c, a_arr, b_arr, pos, optimal=False)


def _fmt_list(x: np.ndarray) -> str:
    return "[" + ", ".join(short_number(float(v)) for v in x) + "]"


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
    gandojo.errors.ArgumentError: plan's column sums must equal b: column 0 sums to 6 but b[0] = 5 (sums ...)
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
