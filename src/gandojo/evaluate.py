"""Scores for a set of generated samples against the data they imitate.

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

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gandojo.distances import wasserstein
from gandojo.metrics.modes import format_mode_table, score_modes


def evaluate_points(samples: torch.Tensor, data: Any, *, seed: int = 0,
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


def evaluate_image_pixels(samples: torch.Tensor, data: Any, *, seed: int = 0) -> dict[str, Any]:
    """Pixel mean and std of generated and real images (N, C, H, W): all there is without a classifier."""
    x = samples.detach().cpu().float()
    real = data.sample(min(len(x), 5000), torch.Generator().manual_seed(seed))
    return {"samples": len(x), "mean": float(x.mean()), "std": float(x.std()), "data_mean": float(real.mean()),
            "data_std": float(real.std()),
            "note": "no offline classifier for this data; for standard FID pass Inception weights "
                    "(gandojo evaluate --inception-weights FILE)"}


def make_evaluator(data: Any, *, seed: int = 0,
                   cache_dir: str | Path | None = None) -> Callable[[torch.Tensor], dict[str, Any]]:
    """A function scoring generated samples against ``data``; real-data statistics are computed once.

    Points: :func:`evaluate_points`. Digits and stacked digits: the classifier metrics of
    :mod:`gandojo.metrics.images` (the classifier is cached in ``cache_dir``). Other images:
    :func:`evaluate_image_pixels`.
    """
    if len(data.shape) == 1:
        return lambda samples: evaluate_points(samples, data, seed=seed)
    protocol = getattr(data, "protocol", None)
    if protocol == "digits":
        from gandojo.metrics.images import DigitsScorer

        return DigitsScorer(data.shape[-1], cache_dir=cache_dir).score
    if protocol == "stacked-digits":
        from gandojo.metrics.images import StackedDigitsScorer

        return StackedDigitsScorer(data, cache_dir=cache_dir, seed=seed).score
    if len(data.shape) == 3:
        return lambda samples: evaluate_image_pixels(samples, data, seed=seed)
    raise ValueError(f"no evaluation for samples of shape {tuple(data.shape)}")


def evaluate_samples(samples: torch.Tensor, data: Any, *, seed: int = 0,
                     cache_dir: str | Path | None = None) -> dict[str, Any]:
    """Dispatch on the kind of data: points, digits, stacked digits or other images (:func:`make_evaluator`)."""
    return make_evaluator(data, seed=seed, cache_dir=cache_dir)(samples)


def json_safe(value: Any) -> Any:
    """Replace non-finite floats by None so the result is strict JSON."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def describe_scored(scored: dict[str, Any]) -> str:
    """One line on what an evaluation scored (``evaluate_run``'s ``scored``)."""
    step = "" if scored["step"] is None else f" (step {scored['step']})"
    seed = ("the run's own evaluation streams (seed " f"{scored['streams_of_seed']}), as its final evaluation"
            if scored["seed"] is None else f"seed {scored['seed']}")
    return f"scored {scored['samples']} samples of {scored['source']}{step}, {seed}"


def format_evaluation(result: dict[str, Any]) -> str:
    """A human-readable rendering of :func:`evaluate_samples`'s result."""
    lines = []
    if "per_mode" in result:
        lines.append(format_mode_table(result))
    if "classes_covered" in result or result.get("modes_total") == 1000:
        from gandojo.metrics.images import format_image_metrics

        lines.append(format_image_metrics(result))
    if "mean" in result:
        lines.append(f"generated mean {result['mean']:.3f} std {result['std']:.3f} · "
                     f"data mean {result['data_mean']:.3f} std {result['data_std']:.3f}")
    if result.get("wasserstein") is not None:
        lines.append(f"Wasserstein-1 to real data {result['wasserstein']:.4f}")
    if result.get("fid") is not None:
        lines.append(f"FID (Inception) {result['fid']:.2f}")
    if "note" in result:
        lines.append(result["note"])
    return "\n".join(lines)
