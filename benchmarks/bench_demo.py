"""The digits-dcgan preset, measured: DCGAN on the bundled digits (preset digits-dcgan), from a cold classifier cache.

    python benchmarks/bench_demo.py                    # about 1.5 minutes on 2 cores

Runs the preset as a user does (``gandojo train --preset digits-dcgan``), with an empty cache
folder so the digits classifier is trained as on a fresh machine, and prints: the wall-clock time of the
whole command, the training loop's own time and speed, the image metrics at every evaluation step, and the
final table as the CLI prints it. Writes benchmarks/results/demo.txt.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from gandojo.config import apply_overrides, load_preset
from gandojo.inference import write_interpolation
from gandojo.metrics.report import format_evaluation
from gandojo.runs.progress import read_metrics
from gandojo.runs.runner import train_run

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded import fmt, recorded  # noqa: E402

DOCS = Path(__file__).resolve().parent.parent / "docs"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--docs", action="store_true",
                        help="also write the README's pictures: docs/demo_digits.png, docs/demo_digits_real.png, "
                             "docs/demo_interpolation.png")
    args = parser.parse_args(argv)
    with recorded("demo", f"python benchmarks/bench_demo.py --seed {args.seed}"), \
            tempfile.TemporaryDirectory() as tmp:
        config = apply_overrides(load_preset("digits-dcgan"), [f"train.seed={args.seed}"])
        started = time.perf_counter()
        summary = train_run(config, Path(tmp) / "demo", progress=False, cache_dir=Path(tmp) / "cache")
        total = time.perf_counter() - started
        print(f"gandojo train --preset digits-dcgan (seed {args.seed}, cold classifier cache): {total:.1f} s in all; "
              f"training loop with its evaluations {summary['seconds']:.1f} s, {summary['steps_per_second']:.1f} "
              "steps/s")
        print("\nstep   classes  confident  class KL  Fréchet (floor)")
        for r in read_metrics(Path(tmp) / "demo" / "metrics.jsonl"):
            if "frechet" in r:
                print(f"{r['step']:>5}  {r['classes_covered']:>4}/10  {100 * r['confident']:8.1f}%  "
                      f"{fmt(r['class_kl'], '8.3f')}  {fmt(r['frechet'], '.2f')} ({r['frechet_floor']:.2f})")
        print("\nthe final table, as `gandojo train` prints it:")
        print(format_evaluation(summary["evaluation"]))
        if args.docs:
            run, docs = Path(tmp) / "demo", DOCS
            shutil.copyfile(run / "samples" / f"step_{summary['steps']:06d}.png", docs / "demo_digits.png")
            shutil.copyfile(run / "real.png", docs / "demo_digits_real.png")
            write_interpolation(run, docs / "demo_interpolation.png", rows=3, steps=10)
    return summary


if __name__ == "__main__":
    main()
