"""Scores for a set of generated samples against the data they imitate, chosen by the data's benchmark.

Points (toy mixtures, user arrays): the mode-collapse protocol where modes are known
(:mod:`gandojo.metrics.modes`) and the exact Wasserstein-1 distance to real samples. Key names are
part of the interface (``evaluate --json``): ``modes_covered``, ``modes_total``, ``high_quality``,
``reverse_kl``, ``per_mode``, ``wasserstein``.

Images (:mod:`gandojo.metrics.images`): the bundled digits give ``classes_covered``, ``class_kl``,
``frechet``, ``frechet_floor``, ``precision``, ``recall``, ``density``, ``coverage``; stacked digits
give ``modes_covered``, ``modes_total`` (1000) and ``kl``. Other images have no offline classifier:
they get pixel statistics, and standard FID when Inception weights are given
(:mod:`gandojo.metrics.inception`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gandojo.config import PROTOCOL_SAMPLES
from gandojo.data.base import Dataset
from gandojo.distances import wasserstein
from gandojo.metrics.images import DigitsScorer, StackedDigitsScorer
from gandojo.metrics.modes import score_modes

__all__ = ["evaluate_image_pixels", "evaluate_points", "make_evaluator", "protocol_samples"]


def protocol_samples(data: Dataset) -> int:
    """How many generated samples the data's benchmark scores: 26,000 for stacked digits, 22,500 for the digits,
    2,500 otherwise."""
    return PROTOCOL_SAMPLES[data.benchmark]


def evaluate_points(samples: torch.Tensor, data: Dataset, *, seed: int = 0,
                    wasserstein_samples: int = 1000) -> dict[str, Any]:
    """Mode report (when the data's modes are known) and exact W1 to real data.

    ``wasserstein`` compares the first ``wasserstein_samples`` generated points with as many real
    ones drawn with ``seed`` (exact transport costs O(n³), so n stays moderate).
    """
    x = samples.detach().cpu().numpy().astype(np.float64)
    result: dict[str, Any] = {"samples": len(x)}
    if data.modes is not None:
        result.update(score_modes(x, data.modes).to_json())
    n = min(wasserstein_samples, len(x))
    real = data.sample(n, torch.Generator().manual_seed(seed)).numpy().astype(np.float64)
    finite = np.isfinite(x[:n]).all()
    result["wasserstein"] = wasserstein(x[:n], real) if finite else None
    if x.shape[1] == 1:
        result["mean"], result["std"] = float(x.mean()), float(x.std())
        result["data_mean"], result["data_std"] = float(real.mean()), float(real.std())
    return result


def evaluate_image_pixels(samples: torch.Tensor, data: Dataset, *, seed: int = 0) -> dict[str, Any]:
    """Pixel mean and std of generated and real images (N, C, H, W): all there is without a classifier."""
    x = samples.detach().cpu().float()
    real = data.sample(min(len(x), 5000), torch.Generator().manual_seed(seed))
    return {"samples": len(x), "mean": float(x.mean()), "std": float(x.std()), "data_mean": float(real.mean()),
            "data_std": float(real.std()),
            "note": "no offline classifier for this data; for standard FID pass Inception weights "
                    "(gandojo evaluate --inception-weights FILE)"}


def make_evaluator(data: Dataset, *, seed: int = 0,
                   cache_dir: str | Path | None = None) -> Callable[[torch.Tensor], dict[str, Any]]:
    """A function scoring generated samples against ``data``; real-data statistics are computed once.

    Points: :func:`evaluate_points`. Digits and stacked digits: the classifier metrics of
    :mod:`gandojo.metrics.images` (the classifier is cached in ``cache_dir``). Other images:
    :func:`evaluate_image_pixels`.
    """
    if data.kind == "points":
        return lambda samples: evaluate_points(samples, data, seed=seed)
    if data.benchmark == "digits":

        return DigitsScorer(data.shape[-1], cache_dir=cache_dir).score
    if data.benchmark == "stacked-digits":

        return StackedDigitsScorer(data, cache_dir=cache_dir, seed=seed).score
    return lambda samples: evaluate_image_pixels(samples, data, seed=seed)
