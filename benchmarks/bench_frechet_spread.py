"""How much the digits' Fréchet distance moves when only the noise drawn for the evaluation changes.

The distance is a mean over chunks of 450 samples (the real held-out split's size, so the floor is measured at the
same size). For each trained digits run given, this scores the same generator (its newest checkpoint, in eval mode,
as training's evaluation does) on ``--draws`` fresh noise draws of each sample count, and prints each draw, the mean
and the spread. Runs come from ``bench_quality.py --rows digits --keep DIR``:

    python benchmarks/bench_quality.py --rows digits --seed-list 0 3 --workers 2 --keep /tmp/q
    python benchmarks/bench_frechet_spread.py /tmp/q/digits-0 /tmp/q/digits-3   # about a minute per run

Writes benchmarks/results/frechet_spread.txt (``--output NAME`` for another name).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

from gandojo.inference import load_trainer
from gandojo.metrics.images import DigitsScorer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded import command_line, recorded  # noqa: E402

FIRST_SEED = 1000  # noise seeds of the draws: FIRST_SEED, FIRST_SEED + 1, ... (none is a run's own stream)


def spread(run: Path, counts: list[int], draws: int, scorers: dict[int, DigitsScorer]) -> None:
    """Print the Fréchet distance of ``draws`` noise draws of each sample count in ``counts`` for one run."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = load_trainer(run)
    size = trainer.config.data.image_size
    scorer = scorers.setdefault(size, DigitsScorer(size))
    print(f"{run} (step {trainer.g_step}, {size}x{size}; floor {scorer.frechet_floor:.2f}):")
    for count in counts:
        values = [scorer.score(trainer.generate(count, torch.Generator().manual_seed(FIRST_SEED + k)))["frechet"]
                  for k in range(draws)]
        print(f"  {count:6d} samples ({count // scorer.chunk} chunks), {draws} draws: "
              f"{' '.join(f'{v:.2f}' for v in values)}; mean {np.mean(values):.2f}, "
              f"lowest {min(values):.2f}, highest {max(values):.2f}, std {np.std(values):.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="digits run folders")
    parser.add_argument("--counts", nargs="+", type=int, default=[2500, 22500], help="sample counts to score")
    parser.add_argument("--draws", type=int, default=8, help="noise draws per count")
    parser.add_argument("--output", default="frechet_spread")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    with recorded(args.output, command_line(__file__, argv)):
        scorers: dict[int, DigitsScorer] = {}
        for run in args.runs:
            spread(run, args.counts, args.draws, scorers)


if __name__ == "__main__":
    main()
