"""WGAN-GP on toy data: the paper's settings for images (λ = 10, Adam β = (0, 0.9)) against the WGAN-GP toy
code's (λ = 0.1, β = (0.5, 0.9)), which gandojo takes by default for point data.

    python benchmarks/bench_wgan_gp_toy.py             # about 8 minutes on 2 cores

Same seed, same 800 generator steps, for 128- and 256-unit MLPs on ring8 and 256-unit MLPs on grid25;
prints modes covered, high quality and the exact W1 every 100 steps. Writes
benchmarks/results/wgan_gp_toy.txt.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from gandojo.config import Config, apply_overrides
from gandojo.runs.progress import read_metrics
from gandojo.runs.runner import train_run

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded import recorded  # noqa: E402

SETTINGS = {"paper (λ = 10, β = (0, 0.9))": ["objective.gp_lambda=10", "optim.betas=0,0.9"],
            "toy code (λ = 0.1, β = (0.5, 0.9))": ["objective.gp_lambda=0.1", "optim.betas=0.5,0.9"]}
CASES = [("ring8", 128), ("ring8", 256), ("grid25", 256)]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = {}
    with recorded("wgan_gp_toy", f"python benchmarks/bench_wgan_gp_toy.py --steps {args.steps} --seed {args.seed}"), \
            tempfile.TemporaryDirectory() as tmp:
        for data, hidden in CASES:
            for name, overrides in SETTINGS.items():
                run = Path(tmp) / f"{len(out)}"
                config = apply_overrides(Config(), [f"data.name={data}", "objective.name=wgan-gp",
                                                    f"model.hidden={hidden}", f"train.steps={args.steps}",
                                                    f"train.seed={args.seed}",
                                                    "train.eval_every=100", f"train.sample_every={args.steps}",
                                                    *overrides])
                summary = train_run(config, run, progress=False)
                evals = [r for r in read_metrics(run / "metrics.jsonl") if "modes_covered" in r]
                out[(data, hidden, name)] = evals
                trace = "  ".join(f"{r['step']}: {r['modes_covered']}/{r['modes_total']} "
                                  f"{100 * r['high_quality']:.0f}% W1 {r['w_exact']:.2f}" for r in evals)
                print(f"{data} {hidden}-unit, {name}, {summary['seconds']:.0f} s\n  {trace}", flush=True)
    return out


if __name__ == "__main__":
    main()
