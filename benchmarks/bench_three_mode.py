"""The seed's "dog / cat / bird" example: the original GAN against WGAN-GP on three-mode, the README's commands.

    python benchmarks/bench_three_mode.py              # seeds 0-4 (about 6 minutes on 2 cores)
    python benchmarks/bench_three_mode.py --seeds 1

Runs, for each seed, exactly what the README shows:

    gandojo train --preset three-mode-gan --seed S --out ...
    gandojo train --data three-mode --objective wgan-gp --steps 1500 --seed S --out ...

prints seed 0's end-of-training table as the CLI prints it, then one line per seed and run. Writes
benchmarks/results/three_mode.txt.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from gandojo.config import Config, apply_overrides, load_preset
from gandojo.metrics.report import format_evaluation
from gandojo.runs.runner import train_run

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded import fmt, recorded  # noqa: E402

RUNS = {
    "gan": ("gandojo train --preset three-mode-gan", lambda: load_preset("three-mode-gan"), []),
    "wgan-gp": ("gandojo train --data three-mode --objective wgan-gp --steps 1500", Config,
                ["data.name=three-mode", "objective.name=wgan-gp", "train.steps=1500"]),
}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    rows = []
    with recorded("three_mode", f"python benchmarks/bench_three_mode.py --seeds {args.seeds}"), \
            tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            for name, (command, base, overrides) in RUNS.items():
                config = apply_overrides(base(), [*overrides, f"train.seed={seed}"])
                started = time.perf_counter()
                summary = train_run(config, Path(tmp) / f"{name}-{seed}", progress=False)
                seconds = time.perf_counter() - started
                result = summary["evaluation"]
                if seed == 0:
                    print(f"\n$ {command} --seed 0 --out runs/three-{name}\n{format_evaluation(result)}")
                shares = " / ".join(f"{100 * v['generated']:.1f}%" for v in result["per_mode"].values())
                rows.append((name, seed, result))
                print(f"{name:<8} seed {seed}: modes {result['modes_covered']}/3 · HQ "
                      f"{100 * result['high_quality']:.1f}% · reverse KL {fmt(result['reverse_kl'], '.2f')} · W1 "
                      f"{result['wasserstein']:.4f} · dog / cat / bird {shares} · {seconds:.0f} s", flush=True)
        print()
        for name in RUNS:
            covered = [r["modes_covered"] for n, _, r in rows if n == name]
            print(f"{name}: {covered.count(1)} of {len(covered)} seeds on one mode, {covered.count(2)} on two, "
                  f"{covered.count(3)} on all three")
    return {"rows": rows}


if __name__ == "__main__":
    main()
