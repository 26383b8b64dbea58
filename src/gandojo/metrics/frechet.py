r"""Fréchet distance between two sets of feature vectors, each summarised by a Gaussian.

.. math::

    d^2 = \lVert \mu_1 - \mu_2 \rVert^2 + \operatorname{tr}\bigl(\Sigma_1 + \Sigma_2 - 2 (\Sigma_1 \Sigma_2)^{1/2}\bigr)

This is FID's formula (Heusel et al. 2017); here the features come from the offline digits
classifier (:mod:`gandojo.metrics.classifier`), not Inception, so the numbers are comparable only
with each other and with their floor: the distance between two independent sets of real images of
the same sizes. The trace of the matrix square root is computed as
:math:`\operatorname{tr}(\Sigma_1^{1/2} \Sigma_2 \Sigma_1^{1/2})^{1/2}` from symmetric eigendecompositions,
which is real and stable even when the covariances are singular.
"""

from __future__ import annotations

import numpy as np

from gandojo.i18n import _


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """Squared Fréchet (2-Wasserstein) distance between N(mu1, sigma1) and N(mu2, sigma2).

    Parameters
    ----------
    mu1, mu2 : array, shape (D,)
    sigma1, sigma2 : array, shape (D, D), symmetric positive semi-definite

    Examples
    --------
    With diagonal covariances it is ``|mu1 - mu2|² + Σ (√a - √b)²``:

    >>> frechet_distance(np.zeros(2), np.diag([1.0, 4.0]), np.array([3.0, 0.0]), np.diag([4.0, 4.0]))
    10.0
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1, sigma2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != (len(mu1), len(mu1)):
        raise ValueError(_("shapes do not match: mu {mu1} and {mu2}, sigma {sigma1} and {sigma2}").format(
            mu1=mu1.shape, mu2=mu2.shape, sigma1=sigma1.shape, sigma2=sigma2.shape))
    root = _sqrt_psd(sigma1)
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(root @ sigma2 @ root), 0, None)).sum()
    value = float(np.sum((mu1 - mu2) ** 2) + np.trace(sigma1) + np.trace(sigma2) - 2 * cross)
    return max(value, 0.0)


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and covariance (D, D) (unbiased) of features (N, D), N >= 2."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(_("expected features of shape (N, D) with N >= 2, got {shape}").format(shape=features.shape))
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_from_features(x: np.ndarray, y: np.ndarray) -> float:
    """Fréchet distance between the Gaussians fitted to features ``x`` (N, D) and ``y`` (M, D).

    >>> rng = np.random.default_rng(0)
    >>> d = frechet_from_features(rng.normal(size=(4000, 3)), rng.normal(size=(4000, 3)) + [2, 0, 0])
    >>> abs(d - 4.0) < 0.2  # the means differ by 2, the covariances agree
    True
    """
    return frechet_distance(*gaussian_stats(x), *gaussian_stats(y))


def chunked_frechet(x: np.ndarray, reference: tuple[np.ndarray, np.ndarray], chunk: int) -> float:
    """Mean Fréchet distance of disjoint chunks of ``chunk`` rows of ``x`` to ``reference`` (mu, sigma).

    Fréchet distances shrink as samples grow (the covariance estimate is biased), so a score is
    compared with its floor at the same sample size: the chunk size is the floor's. Rows past the
    last full chunk are dropped; with fewer than ``chunk`` rows, all rows form one chunk.
    """
    x = np.asarray(x, dtype=np.float64)
    if chunk < 2:
        raise ValueError(_("chunk must be at least 2, got {chunk}").format(chunk=chunk))
    count = max(1, len(x) // chunk)
    size = chunk if len(x) >= chunk else len(x)
    return float(np.mean([frechet_distance(*gaussian_stats(x[i * size:(i + 1) * size]), *reference)
                          for i in range(count)]))


__all__ = ["chunked_frechet", "frechet_distance", "frechet_from_features", "gaussian_stats"]
