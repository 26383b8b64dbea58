"""Speed of gandojo.distances against scipy and POT, measured in one run on this machine.

    python benchmarks/bench_wasserstein.py           # the issue's sizes (about a minute on 2 cores)
    python benchmarks/bench_wasserstein.py --quick   # small sizes, a few seconds

Cases (the full sizes):

- 1-D, 10^6 samples each side: ``wasserstein_1d`` vs ``scipy.stats.wasserstein_distance``; also with
  unequal sizes and with weights, which take the general path (merging the two CDFs).
- exact, 2,000 x 2,000 points in 2-D: ``wasserstein(x, y)`` (which builds its own cost matrix) vs
  ``ot.emd2`` given a precomputed cost matrix (its construction is not timed).
- sliced, 10,000 x 10,000 points in 64-D, 100 directions: ``wasserstein(..., method="sliced")`` vs
  ``ot.sliced_wasserstein_distance`` given the same precomputed directions (not timed), p = 1.

Each case runs ours and the reference alternately ``--repeats`` times and keeps the fastest of each
(the least disturbed by other processes); the ratio is reference time / our time (> 1: we are faster).
Both must return the same value; the table shows the relative difference.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import ot
import scipy.stats
from scipy.spatial.distance import cdist

# Measure this checkout's code, not whatever version of gandojo is installed.
_SRC = Path(__file__).resolve().parents[1] / "src"
if _SRC.is_dir():
    sys.path.insert(0, str(_SRC))

from gandojo.distances import wasserstein, wasserstein_1d  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded import recorded  # noqa: E402


def best_time(fn: Callable[[], float]) -> tuple[float, float]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, float(value)


def compare(ours: Callable[[], float], ref: Callable[[], float], repeats: int) -> dict[str, float]:
    t_ours, t_ref = [], []
    for _ in range(repeats):
        t, v_ours = best_time(ours)
        t_ours.append(t)
        t, v_ref = best_time(ref)
        t_ref.append(t)
    return {"ours": min(t_ours), "ref": min(t_ref), "v_ours": v_ours, "v_ref": v_ref}


def run_cases(quick: bool, repeats: int, seed: int = 0) -> list[dict[str, object]]:
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []

    n = 10**5 if quick else 10**6
    u, v = rng.normal(size=n), rng.normal(0.5, 2.0, size=n)
    r = compare(lambda: wasserstein_1d(u, v), lambda: scipy.stats.wasserstein_distance(u, v), repeats)
    rows.append({"case": f"1-D, n = {n:,} each", "reference": "scipy.stats.wasserstein_distance",
                 "goal": ">= 1x (hope 2x)", **r})
    # Equal sizes without weights take a shortcut (pair the sorted values); these two use the general
    # merge of the two CDFs.
    m = 7 * n // 10
    r = compare(lambda: wasserstein_1d(u, v[:m]), lambda: scipy.stats.wasserstein_distance(u, v[:m]), repeats)
    rows.append({"case": f"1-D, n = {n:,} vs {m:,}", "reference": "scipy.stats.wasserstein_distance",
                 "goal": "(extra)", **r})
    uw, vw = rng.random(n), rng.random(n)
    r = compare(lambda: wasserstein_1d(u, v, uw, vw), lambda: scipy.stats.wasserstein_distance(u, v, uw, vw),
                repeats)
    rows.append({"case": f"1-D, n = {n:,} each, weighted", "reference": "scipy.stats.wasserstein_distance",
                 "goal": "(extra)", **r})

    n = 500 if quick else 2000
    x, y = rng.normal(size=(n, 2)), rng.normal(0.5, 1.0, size=(n, 2))
    cost = cdist(x, y)
    uniform = np.full(n, 1.0 / n)
    r = compare(lambda: wasserstein(x, y), lambda: ot.emd2(uniform, uniform, cost), repeats)
    rows.append({"case": f"exact, {n:,} x {n:,}, 2-D", "reference": "ot.emd2 (precomputed cost)",
                 "goal": ">= 1x", **r})

    n = 2000 if quick else 10_000
    x, y = rng.normal(size=(n, 64)), rng.normal(0.1, 1.0, size=(n, 64))
    theta = rng.normal(size=(100, 64))
    theta /= np.linalg.norm(theta, axis=1, keepdims=True)
    r = compare(lambda: wasserstein(x, y, method="sliced", projections=theta),
                lambda: ot.sliced_wasserstein_distance(x, y, projections=theta.T, p=1), repeats)
    rows.append({"case": f"sliced, {n:,} x {n:,}, 64-D, 100 dirs",
                 "reference": "ot.sliced_wasserstein_distance", "goal": ">= 1x", **r})
    return rows


def format_table(rows: list[dict[str, object]]) -> str:
    header = ("case", "ours (s)", "reference (s)", "ratio", "goal", "rel. diff", "reference")
    lines = [[str(r["case"]), f"{r['ours']:.4f}", f"{r['ref']:.4f}", f"{r['ref'] / r['ours']:.2f}x",
              str(r["goal"]), f"{abs(r['v_ours'] - r['v_ref']) / max(abs(r['v_ref']), 1e-300):.1e}",
              str(r["reference"])] for r in rows]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:{'<' if i in (0, 4, 6) else '>'}{w}}}" for i, w in enumerate(widths))
    out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*line) for line in lines]
    return "\n".join(line.rstrip() for line in out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a few seconds)")
    parser.add_argument("--repeats", type=int, default=None, help="runs per method (default 5, quick 3)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 5)
    if repeats < 1:
        parser.error("--repeats must be at least 1")
    name = "wasserstein-quick" if args.quick else "wasserstein"
    command = "python benchmarks/bench_wasserstein.py" + (" --quick" if args.quick else "")
    with recorded(name, command + (f" --repeats {args.repeats}" if args.repeats else "")):
        rows = run_cases(args.quick, repeats)
        print(f"Wasserstein benchmark ({'quick' if args.quick else 'full'} sizes, best of {repeats}; "
              f"numpy {np.__version__}, POT {ot.__version__})")
        print(format_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
