"""`make bench`: every benchmark, one after another (about 6 hours on 2 cores), then RESULTS.md.

    python benchmarks/run_all.py                       # all of them
    python benchmarks/run_all.py bench_demo bench_lab   # some of them (RESULTS.md is still rebuilt)

Each script also runs on its own with more options (see its --help) and saves what it prints under
benchmarks/results/; RESULTS.md is assembled from those files (benchmarks/write_results.py). Run on an
otherwise idle machine: the times are wall-clock.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

RUNS = [
    ("bench_readme_examples", []),
    ("bench_startup", []),
    ("bench_image_metrics", []),
    ("bench_wasserstein", []),
    ("bench_reliability", []),
    ("bench_play", []),
    ("bench_distributed", []),
    ("bench_speed", []),
    ("bench_demo", []),
    ("bench_tour", []),
    ("bench_three_mode", []),
    ("bench_wgan_gp_toy", []),
    ("bench_wgan_progress", ["--steps", "1500", "--eval-every", "50", "--seeds", "3"]),
    ("bench_dcgan_design", ["--seeds", "3"]),
    ("bench_lab", ["--data", "ring8", "grid25", "--seeds", "10", "--classic-seeds", "2", "--classic-budget", "30"]),
    ("bench_lab", ["--data", "ring12-r5", "grid3x4-s10", "--seeds", "3", "--classic-seeds", "1", "--classic-budget",
                   "30", "--output", "lab_unseen"]),
    ("bench_quality", ["--rows", "ring8", "grid25", "heldout", "--workers", "2", "--output", "quality_points_head"]),
    ("bench_quality", ["--rows", "stacked-digits", "--workers", "2", "--output", "quality_stacked_standing"]),
    ("bench_quality", ["--rows", "digits", "--workers", "2", "--output", "quality_digits_b128_standing"]),
    ("bench_mutations", []),
]


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    only = set(sys.argv[1:])
    unknown = only - {name for name, _ in RUNS}
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose from "
                         + ", ".join(name for name, _ in RUNS))
    for name, args in RUNS:
        if only and name not in only:
            continue
        print(f"\n=== {name} {' '.join(args)} ===", flush=True)
        started = time.perf_counter()
        load(name).main(args)
        print(f"({time.perf_counter() - started:.0f} s)", flush=True)
    load("write_results").main([])


if __name__ == "__main__":
    main()
