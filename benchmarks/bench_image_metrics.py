"""The offline image metrics on reference sample sets: the classifier, real held-out digits, a generator that
only makes threes, uniform noise, and real stacked digits (the floor of the Stacked MNIST protocol).

    python benchmarks/bench_image_metrics.py           # about 30 seconds on 2 cores

Trains the digits classifier cold (an empty cache folder), as on a fresh machine, and prints its training
time and held-out accuracy, then every digits metric for each reference set. Writes
benchmarks/results/image_metrics.txt.
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from pathlib import Path

import torch

from gandojo.data.images import digits, stacked_digits
from gandojo.metrics.classifier import digits_split, load_digits_classifier
from gandojo.metrics.images import DigitsScorer, StackedDigitsScorer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded import fmt, recorded  # noqa: E402

KEYS = ("classes_covered", "confident", "class_kl", "frechet", "precision", "recall", "density", "coverage")


def main(argv: list[str] | None = None) -> dict:
    with recorded("image_metrics", "python benchmarks/bench_image_metrics.py"), tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        classifier = load_digits_classifier(16, cache_dir=tmp)
        seconds = time.perf_counter() - started
        print(f"digits classifier (16x16): trained in {seconds:.1f} s on one thread, held-out accuracy "
              f"{100 * classifier.accuracy:.1f}%")
        scorer = DigitsScorer(16, classifier=classifier)
        data = digits(16)
        _, held = digits_split(data.labels.numpy())
        noise = torch.rand(len(held), 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
        sets = {"real held-out digits (450)": data.values[held],
                "only threes (183 real threes)": data.values[data.labels == 3],
                "uniform noise (450)": noise}
        results = {}
        print(f"\nFréchet floor (real held-out vs real training split): {scorer.frechet_floor:.2f}")
        print(f"{'sample set':<32}" + "".join(f"{k:>16}" for k in KEYS))
        for name, images in sets.items():
            r = results[name] = scorer.score(images)
            cells = [f"{r['classes_covered']}/10", fmt(r["confident"], ".3f"), fmt(r["class_kl"], ".4f"),
                     fmt(r["frechet"], ".2f"), *(fmt(r[k], ".3f") for k in KEYS[4:])]
            print(f"{name:<32}" + "".join(f"{c:>16}" for c in cells))
        threes = results["only threes (183 real threes)"]
        print(f"\nonly threes: class KL {threes['class_kl']:.4f} = log(1797/183) = {math.log(1797 / 183):.4f}; "
              f"Fréchet {threes['frechet'] / scorer.frechet_floor:.1f} times the floor")
        stacked = StackedDigitsScorer(stacked_digits(16), classifier=classifier, seed=0)
        real, _ = stacked.data.sample_with_modes(26000, torch.Generator().manual_seed(1))
        r = stacked.score(real)
        print(f"real stacked digits (26,000): modes covered {r['modes_covered']}/1000, KL {r['kl']:.3f} = channels "
              f"{' + '.join(f'{k:.3f}' for k in r['kl_channels'])} + dependence {r['kl_dependence']:.3f}")
    return results


if __name__ == "__main__":
    main()
