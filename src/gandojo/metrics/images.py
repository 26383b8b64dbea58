"""Image metrics for the bundled digits and stacked digits, all in the offline classifier's eyes.

Digits (``DigitsScorer``):

- ``confident``: share of samples the classifier labels with probability >= 0.9 (the analogue of the
  toy protocol's "high quality"); only those enter the class histogram;
- ``classes_covered``: classes (of 10) with at least one confident sample;
- ``class_kl``: KL(histogram of confident samples over classes ‖ the data's class shares), nats;
- ``frechet``: Fréchet distance to the real training split in the classifier's feature space, the
  mean over chunks of as many samples as the held-out split has; ``frechet_floor``: the same
  distance for the real held-out split (what a perfect generator would score, up to noise);
- ``precision``, ``recall``, ``density``, ``coverage`` (k = 5) against the real training split.

Stacked digits (``StackedDigitsScorer``, DESIGN's Stacked MNIST protocol): each channel is classified;
mode id = 100·d0 + 10·d1 + d2; ``modes_covered`` = ids with at least one sample, of
``modes_total`` = 1000; ``kl`` = KL(mode histogram ‖ uniform), nats. ``real_modes_covered`` and
``real_kl`` are the same scores for as many real stacked images (their floor).

Why the KL is what it is: against a uniform reference that is a product of the channels' uniforms,
KL(p ‖ u) splits exactly into Σ_c KL(p_c ‖ uniform over 10) + KL(p ‖ p_0 p_1 p_2): ``kl_channels`` (one
per channel: how unevenly that channel's digits are drawn, from ``per_channel`` shares) and
``kl_dependence`` (how far the channels are from independent; finite samples alone leave some).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from gandojo.data.images import digits
from gandojo.distances.divergence import kl_divergence
from gandojo.i18n import _
from gandojo.metrics.classifier import TrainedClassifier, digits_split, load_digits_classifier
from gandojo.metrics.frechet import chunked_frechet, frechet_distance, gaussian_stats
from gandojo.metrics.prdc import prdc

CONFIDENCE = 0.9
PRDC_K = 5


def _check_images(samples: Tensor, channels: int, size: int) -> Tensor:
    if samples.dim() != 4 or tuple(samples.shape[1:]) != (channels, size, size):
        raise ValueError(_("expected samples of shape (N, {channels}, {size}, {size}), got {shape}").format(
            channels=channels, size=size, shape=tuple(samples.shape)))
    if len(samples) < 2:
        raise ValueError(_("expected at least 2 samples, got {n}").format(n=len(samples)))
    return samples.detach().cpu().float()


class DigitsScorer:
    """Scores generated digits (N, 1, S, S); real statistics are computed once, at construction.

    Parameters
    ----------
    image_size : int
        The digits' size S.
    cache_dir : path, optional
        Cache of the classifier (see :func:`~gandojo.metrics.classifier.load_digits_classifier`).
    classifier : TrainedClassifier, optional
        Use this classifier instead of loading one.

    Examples
    --------
    >>> from gandojo.data.images import digits
    >>> scorer = DigitsScorer(16, cache_dir=cache_dir)  # a folder for the cached classifier
    >>> threes = digits(16).values[digits(16).labels == 3]  # a generator that only makes threes
    >>> result = scorer.score(threes)
    >>> result["classes_covered"], round(result["class_kl"], 1), result["frechet"] > 10 * result["frechet_floor"]
    (1, 2.3, True)
    """

    def __init__(self, image_size: int, *, cache_dir: str | Path | None = None,
                 classifier: TrainedClassifier | None = None):

        self.image_size = image_size
        self.classifier = classifier or load_digits_classifier(image_size, cache_dir=cache_dir)
        data = digits(image_size)
        labels = data.labels.numpy()
        train, held = digits_split(labels)
        features, _probs = self.classifier.predict(data.values)
        self.real_features = features[train]  # (1347, F): the reference for Fréchet and PRDC
        self.reference = gaussian_stats(self.real_features)
        self.chunk = len(held)
        self.frechet_floor = frechet_distance(*gaussian_stats(features[held]), *self.reference)
        self.class_shares = np.bincount(labels, minlength=10) / len(labels)

    def score(self, samples: Tensor) -> dict[str, Any]:
        """Metrics of generated digits ``samples`` (N, 1, S, S) in [-1, 1]; see the module docstring."""
        x = _check_images(samples, 1, self.image_size)
        result: dict[str, Any] = {"samples": len(x), "classifier_accuracy": self.classifier.accuracy,
                                  "frechet_floor": self.frechet_floor}
        if not torch.isfinite(x).all():
            return {**result, "classes_covered": 0, "classes_total": 10, "class_kl": None, "confident": 0.0,
                    "frechet": None, "precision": None, "recall": None, "density": None, "coverage": None}
        features, probs = self.classifier.predict(x)
        confident = probs.max(axis=1) >= CONFIDENCE
        counts = np.bincount(probs.argmax(axis=1)[confident], minlength=10).astype(np.float64)
        shares = counts / counts.sum() if counts.sum() else counts
        result.update({
            "classes_covered": int((counts > 0).sum()),
            "classes_total": 10,
            "class_kl": kl_divergence(counts, self.class_shares) if counts.sum() else None,
            "confident": float(confident.mean()),
            "per_class": {str(c): {"data": float(self.class_shares[c]), "generated": float(shares[c])}
                          for c in range(10)},
            "frechet": chunked_frechet(features, self.reference, self.chunk),
        })
        fake = features[:len(self.real_features)]
        if len(fake) > PRDC_K:
            result.update(prdc(self.real_features, fake, PRDC_K))
        else:
            result.update(dict.fromkeys(("precision", "recall", "density", "coverage")))
        return result


class StackedDigitsScorer:
    """Scores generated stacked digits (N, 3, S, S) with the digits classifier applied per channel.

    ``real_modes_covered``/``real_kl`` come from as many real stacked images, drawn with ``seed``.
    """

    def __init__(self, data: Any, *, cache_dir: str | Path | None = None, seed: int = 0,
                 classifier: TrainedClassifier | None = None):
        self.data = data
        self.image_size = data.shape[1]
        self.seed = seed
        self.classifier = classifier or load_digits_classifier(self.image_size, cache_dir=cache_dir)
        self._real: dict[int, tuple[int, float]] = {}

    def modes(self, samples: Tensor) -> np.ndarray:
        """Mode ids (N,) in 0..999 of stacked images (N, 3, S, S)."""
        n = len(samples)
        _features, probs = self.classifier.predict(samples.reshape(n * 3, 1, self.image_size, self.image_size))
        d = probs.argmax(axis=1).reshape(n, 3)
        return 100 * d[:, 0] + 10 * d[:, 1] + d[:, 2]

    @staticmethod
    def _histogram_scores(modes: np.ndarray) -> tuple[int, float]:
        counts = np.bincount(modes, minlength=1000).astype(np.float64)
        return int((counts > 0).sum()), kl_divergence(counts, np.ones(1000))

    @staticmethod
    def kl_split(modes: np.ndarray, kl: float) -> dict[str, Any]:
        """``per_channel`` digit shares (3 dicts digit -> share), ``kl_channels`` (3 KLs from uniform) and
        ``kl_dependence`` = ``kl`` - Σ ``kl_channels`` (the channels' total correlation, >= 0) of mode ids (N,)."""
        digits_of = np.stack([modes // 100, modes // 10 % 10, modes % 10])  # (3, N)
        counts = [np.bincount(d, minlength=10).astype(np.float64) for d in digits_of]
        kl_channels = [kl_divergence(c, np.ones(10)) for c in counts]
        return {"per_channel": [{str(d): float(c[d] / c.sum()) for d in range(10)} for c in counts],
                "kl_channels": kl_channels, "kl_dependence": max(0.0, kl - sum(kl_channels))}

    def score(self, samples: Tensor) -> dict[str, Any]:
        """``modes_covered`` (of ``modes_total`` 1000) and ``kl`` of ``samples``, with the real floor."""
        x = _check_images(samples, 3, self.image_size)
        n = len(x)
        if n not in self._real:
            real, _modes = self.data.sample_with_modes(n, torch.Generator().manual_seed(self.seed))
            self._real[n] = self._histogram_scores(self.modes(real))
        result: dict[str, Any] = {"samples": n, "modes_total": 1000, "classifier_accuracy": self.classifier.accuracy}
        if not torch.isfinite(x).all():
            result.update({"modes_covered": 0, "kl": None})
        else:
            modes = self.modes(x)
            result["modes_covered"], result["kl"] = self._histogram_scores(modes)
            result.update(self.kl_split(modes, result["kl"]))
        result["real_modes_covered"], result["real_kl"] = self._real[n]
        return result






__all__ = ["CONFIDENCE", "DigitsScorer", "StackedDigitsScorer"]
