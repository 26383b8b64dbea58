"""Why digits-dcgan is set the way it is: the preset against one change at a time, same seed and budget.

    python benchmarks/bench_dcgan_design.py            # about 8 minutes on 2 cores
    python benchmarks/bench_dcgan_design.py --seeds 2

Variants of the preset (batch 64, width 32, one extra layer, 16x16, 1,500 steps): the paper's batch of 128,
width 64, and no extra layer. Prints the digits metrics at steps 500, 1,000 and 1,500 and the time per
step. Single runs of a GAN vary a lot from seed to seed: read the table as rough. Writes
benchmarks/results/dcgan_design.txt.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from gandojo.config import apply_overrides, load_preset
from gandojo.runs.progress import read_metrics
from gandojo.runs.runner import train_run

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded import fmt, recorded  # noqa: E402

VARIANTS = {
    "digits-dcgan (batch 64, width 32, 1 extra layer)": [],
    "batch 128 (the paper's)": ["train.batch_size=128"],
    "width 64": ["model.width=64"],
    "no extra layer": ["model.extra_layers=0"],
}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=1)
    args = parser.parse_args(argv)
    out = {}
    with recorded("dcgan_design", f"python benchmarks/bench_dcgan_design.py --seeds {args.seeds}"), \
            tempfile.TemporaryDirectory() as tmp:
        print(f"{'variant':<50} {'seed':>4}  {'Fréchet at 500 / 1,000 / 1,500':>32}  {'classes':>8}  "
              f"{'confident':>9}  {'s/step':>7}  {'seconds':>7}")
        for name, overrides in VARIANTS.items():
            for seed in range(args.seeds):
                run = Path(tmp) / f"{len(out)}"
                config = apply_overrides(load_preset("digits-dcgan"), [*overrides, f"train.seed={seed}"])
                summary = train_run(config, run, progress=False, cache_dir=Path(tmp) / "cache")
                evals = [r for r in read_metrics(run / "metrics.jsonl") if "frechet" in r]
                last = summary["evaluation"]
                frechet = " / ".join(fmt(r["frechet"], ".1f") for r in evals)
                out[(name, seed)] = evals
                print(f"{name:<50} {seed:>4}  {frechet:>32}  {last['classes_covered']:>5}/10  "
                      f"{100 * last['confident']:8.1f}%  {summary['seconds'] / summary['steps']:7.3f}  "
                      f"{summary['seconds']:7.1f}", flush=True)
        print(f"\nFréchet floor (real held-out digits): {evals[-1]['frechet_floor']:.2f}")
    return out


if __name__ == "__main__":
    main()
