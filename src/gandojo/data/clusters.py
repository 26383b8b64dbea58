"""How many separate clusters a set of 1-D or 2-D points shows: what the best recipe for points reads at the start
of a run to choose its number of steps (a grid of 49 Gaussians needs more than a ring of 8).

The points are binned on a grid over their central 99.8% (per axis), the occupied cells grown by one bin so that a
cluster's own cells touch, and the connected groups of occupied cells that hold at least ``min_share`` of the
points are counted (:func:`scipy.ndimage.label`, diagonal neighbours included). Gaussians a few σ apart are
separate clusters; a continuous shape (a square, a spiral) is one. With only hundreds of points a broad cluster
can still break into pieces, so the count errs upward (more steps, never fewer).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["CLUSTER_SAMPLES", "MIN_POINTS", "count_clusters"]

CLUSTER_SAMPLES = 20_000  # points drawn from a data set sampled fresh (the bundled mixtures) to count its clusters
MIN_POINTS = 500  # below this, isolated points would look like clusters of their own


def count_clusters(points: np.ndarray, *, bins: int = 128, min_share: float = 0.002) -> int | None:
    """The number of separate clusters in ``points`` of shape (N, D), or None when D is not 1 or 2 or there are
    fewer than :data:`MIN_POINTS` finite points to count them in.

    >>> rng = np.random.default_rng(0)
    >>> centres = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> count_clusters(centres[rng.integers(0, 3, 6000)] + 0.02 * rng.standard_normal((6000, 2)))
    3
    >>> count_clusters(rng.uniform(size=(6000, 2))), count_clusters(rng.standard_normal((100, 5))) is None
    (1, True)
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] not in (1, 2):
        return None
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) < MIN_POINTS:
        return None
    lo, hi = np.percentile(points, [0.1, 99.9], axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - 0.02 * span, hi + 0.02 * span  # a margin, so the outermost clusters keep their edges
    counts, _edges = np.histogramdd(points, bins=bins, range=list(zip(lo, hi, strict=True)))
    occupied = ndimage.binary_dilation(counts > 0, structure=np.ones((3,) * points.shape[1]))
    labels, n = ndimage.label(occupied, structure=np.ones((3,) * points.shape[1]))
    mass = ndimage.sum_labels(counts, labels, index=np.arange(1, n + 1))
    return int((mass >= min_share * len(points)).sum())
