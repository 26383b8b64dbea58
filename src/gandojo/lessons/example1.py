"""The WGAN paper's Example 1 (Arjovsky et al. 2017): two parallel lines, where only the Wasserstein distance
has a gradient that says which way to move."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gandojo.distances._checks import _as_float_array, _check_finite

__all__ = ["ParallelLines", "parallel_lines"]


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
