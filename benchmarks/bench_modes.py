"""Mode collapse on ring8 and grid25: gan, gan-minimax, wgan and wgan-gp from the same seeds and the same
wall-clock budget each, scored with the VEEGAN/PacGAN protocol (2,500 samples), beside published numbers.

    python benchmarks/bench_modes.py                 # 60 s per run, 3 seeds (about 25 minutes)
    python benchmarks/bench_modes.py --budget 10 --seeds 1 --objectives gan wgan-gp   # quick look

Prints one table per data set (mean over seeds) and writes benchmarks/results/modes.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

from gandojo.config import Config, apply_overrides, resolve
from gandojo.metrics.modes import score_modes
from gandojo.train import Trainer, fit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded import recorded  # noqa: E402

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parent.parent / "shared" / "reference" / "published_mode_collapse.csv"


# One architecture for every objective (fair comparison); each objective keeps its paper optimizer, and
# WGAN-GP takes the settings of its authors' toy code (λ = 0.1, β = (0.5, 0.9)), without which it fails here.
COMMON = ["model.hidden=256"]
PER_OBJECTIVE = {"wgan-gp": ["objective.gp_lambda=0.1", "optim.betas=0.5,0.9"]}


def run_one(data: str, objective: str, seed: int, budget: float, overrides: list[str]) -> dict:
    """Train for ``budget`` seconds of wall-clock time, then score 2,500 samples."""
    config = resolve(apply_overrides(Config(), [f"data.name={data}", f"objective.name={objective}",
                                                f"train.seed={seed}", "train.steps=1000000", *COMMON,
                                                *PER_OBJECTIVE.get(objective, []), *overrides]))
    trainer = Trainer(config)
    started = time.perf_counter()
    while time.perf_counter() - started < budget:  # checked after every generator step
        fit(trainer, trainer.g_step + 1)
    seconds = time.perf_counter() - started  # training only: the budget plus at most one step
    report = score_modes(trainer.generate(2500).numpy(), trainer.data.modes)
    return {"data": data, "objective": objective, "seed": seed, "steps": trainer.g_step,
            "seconds": round(seconds, 1), **report.to_json()}


def published(benchmark: str) -> list[dict]:
    if not REFERENCE.is_file():
        return []
    with REFERENCE.open() as f:
        return [row for row in csv.DictReader(f) if row["benchmark"] == benchmark]


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds of training per run")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--data", nargs="+", default=["ring8", "grid25"])
    parser.add_argument("--objectives", nargs="+", default=["gan", "gan-minimax", "wgan", "wgan-gp"])
    parser.add_argument("--out", type=Path, default=HERE / "results" / "modes.json")
    parser.add_argument("overrides", nargs="*", help="config overrides, e.g. model.hidden=64")
    args = parser.parse_args(argv)
    rows = []
    command = "python benchmarks/bench_modes.py " + " ".join(argv if argv is not None else sys.argv[1:])
    with recorded("modes", command.strip()):
        _run(args, rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1))
    return rows


def _run(args, rows: list[dict]) -> None:
    for data in args.data:
        for objective in args.objectives:
            for seed in range(args.seeds):
                row = run_one(data, objective, seed, args.budget, args.overrides)
                rows.append(row)
                rkl = "n/a" if row["reverse_kl"] is None else f"{row['reverse_kl']:.2f}"
                print(f"  {data:7s} {objective:12s} seed {seed}: {row['steps']:6d} steps in {row['seconds']:.1f} s, "
                      f"modes "
                      f"{row['modes_covered']}/{row['modes_total']}, HQ {100 * row['high_quality']:.1f}%, "
                      f"rKL {rkl}", flush=True)
    for data in args.data:
        print(f"\n{data}: mean over {args.seeds} seed(s), {args.budget:.0f} s of training each (2 CPU cores)")
        print(f"{'method':<28} {'modes':>7} {'HQ %':>6} {'rev KL':>7} {'steps':>7} {'s':>6}  source")
        for objective in args.objectives:
            sel = [r for r in rows if r["data"] == data and r["objective"] == objective]
            kls = [r["reverse_kl"] for r in sel if r["reverse_kl"] is not None]
            kl = f"{np.mean(kls):.2f}" if kls else "n/a"
            print(f"{objective:<28} {np.mean([r['modes_covered'] for r in sel]):7.1f} "
                  f"{100 * np.mean([r['high_quality'] for r in sel]):6.1f} {kl:>7} "
                  f"{np.mean([r['steps'] for r in sel]):7.0f} {np.mean([r['seconds'] for r in sel]):6.1f}"
                  "  gandojo (this run)")
        for row in published(data):
            print(f"{row['method']:<28} {float(row['modes']):7.1f} {row['hq_percent'] or '':>6} "
                  f"{row['reverse_kl'] or '':>7} {'':>7} {'':>6}  {row['source']}")


if __name__ == "__main__":
    main()
