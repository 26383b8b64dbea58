"""How fast the command line answers: `gandojo --help`, each command's `--help`, and the commands that need no
torch (`wasserstein`, `divergences`). Best of several runs of the installed `gandojo` script.

    python benchmarks/bench_startup.py                  # about 30 seconds

Goals: every --help under 0.5 s; `gandojo wasserstein` and `gandojo divergences` under 1.5 s. Writes
benchmarks/results/startup.txt.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded import recorded  # noqa: E402

CASES = [(["--help"], 0.5), (["train", "--help"], 0.5), (["evaluate", "--help"], 0.5),
         (["sample", "--help"], 0.5), (["wasserstein", "--help"], 0.5), (["wasserstein"], 1.5),
         (["divergences"], 1.5)]


def best_time(command: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    script = shutil.which("gandojo") or str(Path(sys.executable).with_name("gandojo"))
    results = {}
    with recorded("startup", f"python benchmarks/bench_startup.py --repeats {args.repeats}"):
        print(f"{'command':<32} {'seconds':>8}  goal")
        for case, goal in CASES:
            seconds = best_time([script, *case], args.repeats)
            name = "gandojo " + " ".join(case)
            results[name] = seconds
            print(f"{name:<32} {seconds:8.2f}  < {goal} s: {'met' if seconds < goal else 'NOT met'}", flush=True)
    return results


if __name__ == "__main__":
    main()
