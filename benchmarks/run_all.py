"""`make bench`: every benchmark at a moderate budget (about 30 minutes on 2 cores), one after another.

Each script also runs on its own with more options (see its --help); results that the README quotes
name the exact command that produced them.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

RUNS = [
    ("bench_wasserstein", []),
    ("bench_reliability", []),
    ("bench_wgan_progress", ["--steps", "1500", "--eval-every", "50"]),
    ("bench_modes", ["--budget", "30", "--seeds", "2"]),
]


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    only = set(sys.argv[1:])
    for name, args in RUNS:
        if only and name not in only:
            continue
        if not (HERE / f"{name}.py").exists():
            continue
        print(f"\n=== {name} {' '.join(args)} ===", flush=True)
        started = time.perf_counter()
        load(name).main(args)
        print(f"({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
