"""Precision, recall, density and coverage of generated samples in a feature space (Naeem et al. 2020).

Each real feature vector gets a ball reaching its k-th nearest real neighbour (k = 5); each
generated one a ball reaching its k-th nearest generated neighbour.

- precision: share of generated samples inside at least one real ball (fidelity);
- recall: share of real samples inside at least one generated ball (diversity);
- density: how many real balls a generated sample falls in, on average, divided by k (about 1 for
  samples distributed like the real ones; above 1 when they crowd where real data is dense);
- coverage: share of real balls that hold at least one generated sample (diversity, robust to
  outliers).
"""

from __future__ import annotations

import numpy as np

from gandojo.i18n import _


def _kth_neighbour_radii(x: np.ndarray, k: int) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    distances, _indices = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x)  # the first neighbour is itself
    return distances[:, -1]


def prdc(real: np.ndarray, fake: np.ndarray, k: int = 5) -> dict[str, float]:
    """Precision, recall, density and coverage of ``fake`` (M, D) against ``real`` (N, D).

    Parameters
    ----------
    real : array, shape (N, D), N > k
    fake : array, shape (M, D), M > k
    k : int
        Neighbourhood size (5 in the paper).

    Returns
    -------
    dict with ``precision``, ``recall``, ``density``, ``coverage``

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(500, 2))
    >>> same = prdc(real, rng.normal(size=(500, 2)))
    >>> collapsed = prdc(real, rng.normal(size=(500, 2)) * 0.05)  # every sample near one point
    >>> same["recall"] > 0.8 and same["coverage"] > 0.8, collapsed["recall"] < 0.1 and collapsed["coverage"] < 0.1
    (True, True)
    """
    from sklearn.metrics import pairwise_distances

    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(_("expected real (N, D) and fake (M, D) features, got {real} and {fake}").format(
            real=real.shape, fake=fake.shape))
    if k < 1 or len(real) <= k or len(fake) <= k:
        raise ValueError(_("k = {k} needs more than k real and fake samples, got {n} and {m}").format(
            k=k, n=len(real), m=len(fake)))
    real_radii = _kth_neighbour_radii(real, k)  # (N,)
    fake_radii = _kth_neighbour_radii(fake, k)  # (M,)
    distances = pairwise_distances(real, fake)  # (N, M)
    inside_real = distances < real_radii[:, None]  # fake j inside real ball i
    return {
        "precision": float(inside_real.any(axis=0).mean()),
        "recall": float((distances < fake_radii[None, :]).any(axis=1).mean()),
        "density": float(inside_real.sum(axis=0).mean() / k),
        "coverage": float((distances.min(axis=1) < real_radii).mean()),
    }


__all__ = ["prdc"]
