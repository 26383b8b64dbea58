"""Does the loss reflect progress? Spearman correlation, over training, between the exact W1 of
generated vs real samples and (a) the WGAN-GP critic's Wasserstein estimate, (b) the WGAN (clipping)
critic's estimate, (c) the GAN discriminator's loss, on ring8 (presets ring8-wgan-gp, ring8-wgan,
ring8-gan). The WGAN claim: (a) is high (goal >= 0.8); the GAN's loss says little about progress.

    python benchmarks/bench_wgan_progress.py            # 3,000 generator steps each
    python benchmarks/bench_wgan_progress.py --steps 1000
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from gandojo.config import apply_overrides, load_preset
from gandojo.run import train_run
from gandojo.tracking import read_metrics


def trace(objective: str, steps: int, seed: int, eval_every: int, folder: Path) -> list[dict]:
    config = apply_overrides(load_preset(f"ring8-{objective}"), [f"train.steps={steps}",
                                        f"train.seed={seed}", f"train.eval_every={eval_every}",
                                        f"train.log_every={eval_every}", "train.eval_samples=1000",
                                        f"train.sample_every={steps}", f"train.checkpoint_every={steps}"])
    train_run(config, folder / objective, progress=False)
    return [r for r in read_metrics(folder / objective / "metrics.jsonl") if r.get("w_exact") is not None]


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for objective, key, label in (("wgan-gp", "w_estimate", "WGAN-GP critic estimate"),
                                      ("wgan", "w_estimate", "WGAN (clipping) critic estimate"),
                                      ("gan", "loss_d", "GAN discriminator loss")):
            records = trace(objective, args.steps, args.seed, args.eval_every, Path(tmp))
            exact = np.array([r["w_exact"] for r in records])
            signal = np.array([r[key] for r in records])
            rho = float(spearmanr(signal, exact).statistic)
            results[objective] = rho
            print(f"{label:<48} Spearman vs exact W1: {rho:+.2f}  ({len(records)} points, exact W1 "
                  f"{exact[0]:.3f} -> {exact[-1]:.3f})", flush=True)
    print(f"\ngoal: WGAN-GP >= 0.80 -> {'met' if results['wgan-gp'] >= 0.8 else 'NOT met'}")
    return results


if __name__ == "__main__":
    main()
