"""What measuring the averaged generator's own batch-norm statistics buys the digits' Fréchet distance.

The sampler of a run with ``train.ema`` is the moving average of G's weights. Until commit 4388f62 it normalised
with G's batch-norm statistics (copied at every step), which belong to other weights; now it measures its own
(:func:`gandojo.models.standing_batchnorm_statistics`). For each trained digits run given, this scores the same
averaged weights (its newest checkpoint) both ways on the run's own evaluation samples (22,500, the noise every
evaluation of the run draws): a paired comparison, only the statistics differ. Runs come from ``bench_quality.py
--rows digits --keep DIR``:

    python benchmarks/bench_quality.py --rows digits --workers 2 --threads 1 --keep /tmp/q
    python benchmarks/bench_standing_statistics.py /tmp/q/digits-*   # about 10 seconds per run

Writes benchmarks/results/standing_statistics.txt (``--output NAME`` for another name).
"""

from __future__ import annotations

import argparse
import copy
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

from gandojo.inference import load_trainer
from gandojo.metrics.images import DigitsScorer
from gandojo.models import generate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded import command_line, recorded  # noqa: E402


def paired(run: Path, scorers: dict[int, DigitsScorer]) -> float:
    """Print one run's Fréchet distance with G's statistics and with the average's own; return the change."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = load_trainer(run)
    size = trainer.config.data.image_size
    scorer = scorers.setdefault(size, DigitsScorer(size))
    count, m = trainer.config.train.eval_samples, trainer.config.model
    own = scorer.score(trainer.generate(count))["frechet"]
    average = copy.deepcopy(trainer.ema_generator)
    average.load_state_dict(trainer.generator.state_dict() | dict(trainer.ema_generator.named_parameters()))
    # the average's weights with G's statistics, as it sampled before, on the same evaluation noise
    noise = torch.Generator().manual_seed(trainer.seeds["eval_noise"])
    borrowed = scorer.score(generate(average, count, m.latent_dim, m.noise, noise))["frechet"]
    print(f"{run} (step {trainer.g_step}; floor {scorer.frechet_floor:.2f}): with G's statistics {borrowed:.2f}, "
          f"with its own {own:.2f}, change {own - borrowed:+.2f}")
    return own - borrowed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="digits run folders trained with train.ema")
    parser.add_argument("--output", default="standing_statistics")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    with recorded(args.output, command_line(__file__, argv)):
        scorers: dict[int, DigitsScorer] = {}
        changes = [paired(run, scorers) for run in args.runs]
        print(f"{len(changes)} runs: change mean {np.mean(changes):+.2f}, lowest {min(changes):+.2f}, highest "
              f"{max(changes):+.2f}; lower with its own statistics in {sum(c < 0 for c in changes)} of {len(changes)}")


if __name__ == "__main__":
    main()
