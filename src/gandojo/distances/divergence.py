"""KL both ways, Jensen–Shannon, total variation and W_1 between two histograms on one support."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import rel_entr

from gandojo.distances._checks import _masses, _same_mass, _values_1d
from gandojo.distances.one_d import wasserstein_1d
from gandojo.errors import ArgumentError
from gandojo.i18n import _

__all__ = ["Divergences", "divergences", "kl_divergence"]


def kl_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p ‖ q) in nats of two histograms on the same bins, each normalised to sum 1; 0·log(0/q) = 0 and
    +inf when some q_i = 0 < p_i. Used by the mode-collapse and image metrics too.

    >>> round(kl_divergence(np.array([1.0, 0.0]), np.array([0.5, 0.5])), 4)  # log 2
    0.6931
    >>> kl_divergence(np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    inf
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    # KL is >= 0 (Gibbs' inequality); single terms can be negative, and round-off in their sum can leave
    # -1e-17, which would break e.g. sqrt(KL), so clip at 0.
    return max(0.0, float(np.sum(rel_entr(p / p.sum(), q / q.sum()))))


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
        raise ArgumentError("q", lambda w: _("{p} and {q} must be histograms on the same support, got {np} and {nq} "
                                             "cells").format(p=w("p"), q=w("q"), np=len(pa), nq=len(qa)))
    pa, qa = _same_mass(pa, qa, renormalize, ("p", "q"))
    pa, qa = pa / pa.sum(), qa / qa.sum()
    pos = np.arange(1.0, len(pa) + 1) if positions is None else _values_1d(positions, "positions")
    if len(pos) != len(pa):
        raise ArgumentError("positions", lambda w: _("{name} has {count} entries but the histograms have {n} "
                                                     "cells").format(name=w("positions"), count=len(pos), n=len(pa)))
    mid = 0.5 * (pa + qa)
    js = min(math.log(2), 0.5 * kl_divergence(pa, mid) + 0.5 * kl_divergence(qa, mid))
    return Divergences(
        kl_pq=kl_divergence(pa, qa),
        kl_qp=kl_divergence(qa, pa),
        js=js,
        js_bits=js / math.log(2),
        tv=min(1.0, 0.5 * float(np.abs(pa - qa).sum())),  # round-off can give 1 + 2e-16
        w1=wasserstein_1d(pos, pos, pa, qa),
    )
