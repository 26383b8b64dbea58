"""Does the loss reflect progress? Spearman correlation, over training, between the exact W1 of
generated vs real samples and (a) the WGAN-GP critic's Wasserstein estimate, (b) the WGAN (clipping)
critic's estimate, (c) the GAN discriminator's loss, on ring8 (presets ring8-wgan-gp, ring8-wgan,
ring8-gan). The WGAN claim: (a) tracks W1 (goal: rho >= 0.8 on every seed). How closely (b) and (c)
follow it is measured, not assumed: a single seed says little, so every seed is reported.

    python benchmarks/bench_wgan_progress.py            # 3,000 generator steps each, seeds 0-2
    python benchmarks/bench_wgan_progress.py --steps 1500 --eval-every 50 --seeds 3
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from gandojo.config import apply_overrides, load_preset
from gandojo.runs.progress import read_metrics
from gandojo.runs.runner import train_run

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded import recorded  # noqa: E402


def trace(objective: str, steps: int, seed: int, eval_every: int, folder: Path) -> list[dict]:
    config = apply_overrides(load_preset(f"ring8-{objective}"), [f"train.steps={steps}",
                                        f"train.seed={seed}", f"train.eval_every={eval_every}",
                                        f"train.log_every={eval_every}", "train.eval_samples=1000",
                                        f"train.sample_every={steps}", f"train.checkpoint_every={steps}"])
    run = folder / f"{objective}-{seed}"
    train_run(config, run, progress=False)
    return [r for r in read_metrics(run / "metrics.jsonl") if r.get("w_exact") is not None]


SIGNALS = (("wgan-gp", "w_estimate", "WGAN-GP critic estimate"),
           ("wgan", "w_estimate", "WGAN (clipping) critic estimate"),
           ("gan", "loss_d", "GAN discriminator loss"))


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1, each reported")
    args = parser.parse_args(argv)
    results: dict[str, list[float]] = {objective: [] for objective, _, _ in SIGNALS}
    command = (f"python benchmarks/bench_wgan_progress.py --steps {args.steps} --eval-every {args.eval_every} "
               f"--seeds {args.seeds}")
    with recorded("wgan_progress", command), tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            for objective, key, label in SIGNALS:
                records = trace(objective, args.steps, seed, args.eval_every, Path(tmp))
                exact = np.array([r["w_exact"] for r in records])
                signal = np.array([r[key] for r in records])
                rho = float(spearmanr(signal, exact).statistic)
                results[objective].append(rho)
                print(f"seed {seed}  {label:<34} Spearman vs exact W1: {rho:+.2f}  ({len(records)} points, "
                      f"exact W1 {exact[0]:.3f} -> {exact[-1]:.3f})", flush=True)
        print()
        for objective, _, label in SIGNALS:
            rhos = results[objective]
            print(f"{label:<34} mean {np.mean(rhos):+.2f}, lowest {min(rhos):+.2f} over {len(rhos)} seeds")
        worst = min(results["wgan-gp"])
        print(f"\ngoal: WGAN-GP >= 0.80 on every seed -> {'met' if worst >= 0.8 else 'NOT met'}")
    return results


if __name__ == "__main__":
    main()
