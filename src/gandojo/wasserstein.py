"""Wasserstein distances (minimal version; the full toolkit replaces this module)."""

from __future__ import annotations

import numpy as np
import ot
from scipy.stats import wasserstein_distance


def wasserstein_1d(u_values, v_values) -> float:
    """Exact W1 between two 1-D samples.

    >>> wasserstein_1d([0.0, 1.0], [1.0, 2.0])
    1.0
    """
    return float(wasserstein_distance(np.ravel(u_values), np.ravel(v_values)))


def wasserstein(x, y) -> float:
    """Exact W1 between two point clouds (n, d) and (m, d) with uniform weights.

    >>> round(wasserstein(np.zeros((3, 2)), np.ones((2, 2))), 6) == round(float(np.sqrt(2)), 6)
    True
    """
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    if x.shape[1] == 1:
        return wasserstein_1d(x, y)
    return float(ot.emd2([], [], ot.dist(x, y, metric="euclidean")))
