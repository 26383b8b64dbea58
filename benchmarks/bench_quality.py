"""Quality where nobody tuned: the default recipe (no preset, no flags) in every seed, on ring8, grid25, 20
held-out random mixtures, stacked digits and the digits DCGAN, each within a budget and held to a target.

Budgets of the 2-D rows are in *reference steps*: the run first times a plain PyTorch loop of fixed size
(benchmarks/reference_loop.py) on this machine, and a budget of N reference steps is N divided by its steps per
second; the images have minutes. Every run is ``gandojo train`` as a user calls it, with ``train.seed`` and, as the
budget's hard cap, ``train.time_limit``; held-out mixtures are ``.npy`` files of 20,000 points, scored against the
modes they were drawn from (benchmarks/heldout_mixtures.py). Every seed is printed, then each row's target: met, or
the gap. Run it on an otherwise idle machine.

    python benchmarks/bench_quality.py                               # every row (about 6 hours on 2 cores)
    python benchmarks/bench_quality.py --rows ring8 grid25 heldout --workers 2   # the 2-D rows (about 30 minutes)
    python benchmarks/bench_quality.py --rows tuning                 # the tuning half: for tuning, never reported
    python benchmarks/bench_quality.py --rows ring8 --seeds 3 -- train.steps=3000   # a candidate recipe
    python benchmarks/bench_quality.py --rows digits --first-seed 1 --seeds 2 --workers 2   # seeds 1 and 2 only
    python benchmarks/bench_quality.py --rows digits --seed-list 9 0 --workers 2   # seeds 9 and 0

Arguments after ``--`` are passed to every ``gandojo train`` (a candidate's overrides, for tuning and ablations).
Writes benchmarks/results/quality.txt and quality.json (``--output NAME`` for another name).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from heldout_mixtures import HELD_OUT, TUNING, mixture  # noqa: E402
from recorded import command_line, fmt, recorded  # noqa: E402
from reference_loop import reference_steps_per_second  # noqa: E402


@dataclass(frozen=True)
class Row:
    """One line of the issue's table: what is trained, its budget, and the target it is held to."""

    name: str
    target: str
    reference_steps: int | None = None  # the budget in reference steps, or
    seconds: float | None = None  # in seconds (the images)
    seeds: int = 10


ROWS = {
    "ring8": Row("ring8", "8/8, HQ >= 97%, reverse KL <= 0.02 in every seed", reference_steps=4000),
    "grid25": Row("grid25", "25/25, HQ >= 95%, reverse KL <= 0.03 in every seed", reference_steps=6000),
    "heldout": Row("held-out mixtures", "every mode in >= 90% of them, HQ >= 90% on average", reference_steps=8000,
                   seeds=1),
    "tuning": Row("tuning mixtures", "(tuning only: the held-out row's target)", reference_steps=8000, seeds=1),
    "stacked-digits": Row("stacked digits", ">= 990 modes, KL <= 0.1 in every seed", seconds=900),
    "digits": Row("digits, DCGAN", "Fréchet distance <= 2x the real-vs-real floor, 10/10 classes in every seed",
                  seconds=600),
}


def train(data: str, folder: Path, seed: int, limit: float, extra: list[str], threads: int | None) -> dict:
    """``gandojo train`` as a user runs it; the run's summary, with the wall-clock time of the whole command."""
    command = [sys.executable, "-m", "gandojo", "train", "--data", data, "--out", str(folder), "--quiet",
               f"train.seed={seed}", f"train.time_limit={limit:.1f}", *extra]
    env = {**os.environ, **({"OMP_NUM_THREADS": str(threads)} if threads else {})}
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    summary = json.loads((folder / "summary.json").read_text())
    return {"status": summary["status"], "steps": summary["steps"], "seconds": summary["seconds"],
            "wall": round(wall, 1), **(summary.get("evaluation") or {})}


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def timed_reference(threads: int | None, workers: int = 1) -> float:
    """The reference loop's steps per second under the load the runs will have: one run at a time on torch's
    default threads (``threads`` None), timed here; otherwise ``workers`` copies of the loop (at least one) timed
    side by side, each a process on ``threads`` threads as each run is, and their mean."""
    if workers <= 1 and threads is None:
        return reference_steps_per_second()
    workers, env = max(1, workers), {**os.environ, "OMP_NUM_THREADS": str(threads)}
    loops = [subprocess.Popen([sys.executable, str(HERE / "reference_loop.py"), "--bare"], stdout=subprocess.PIPE,
                              text=True, env=env) for _ in range(workers)]
    speeds = [float(loop.communicate()[0].split()[-1]) for loop in loops]
    if any(loop.returncode for loop in loops):
        raise RuntimeError("a reference loop failed")
    return sum(speeds) / len(speeds)


def draw_mixtures(panels: list[tuple], path: Path) -> Path:
    """One panel per mixture run: its data (grey) and the generator's samples (blue), titled with the scores."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = min(5, len(panels))
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 3 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, (drawn, samples, result) in zip(axes.ravel(), panels, strict=False):
        real = drawn.sample(2500, seed=1)
        ax.scatter(real[:, 0], real[:, 1], s=1, c="0.7", linewidths=0)
        ax.scatter(samples[:, 0], samples[:, 1], s=1, c="tab:blue", linewidths=0)
        lo, hi = drawn.centers.min(0), drawn.centers.max(0)
        pad = 0.15 * (hi - lo).max() + 4 * drawn.sigma
        ax.set_xlim(lo[0] - pad, hi[0] + pad)
        ax.set_ylim(lo[1] - pad, hi[1] + pad)
        ax.set_title(f"{drawn.name}: {result['modes_covered']}/{result['modes_total']}, "
                     f"HQ {100 * result['high_quality']:.0f}%", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def generated(folder: Path, seed: int) -> np.ndarray:
    """2,500 of the run's own samples (the protocol's count), in the data's units."""
    import torch

    from gandojo.inference import open_generator
    from gandojo.models import generate

    loaded = open_generator(folder)
    m = loaded.config.model
    return generate(loaded.generator, 2500, m.latent_dim, m.noise, torch.Generator().manual_seed(seed)).numpy()


def point_line(row: dict) -> str:
    return (f"modes {row['modes_covered']}/{row['modes_total']}, HQ {100 * row['high_quality']:.1f}%, "
            f"reverse KL {fmt(row.get('reverse_kl'), '.3f')}")


def image_line(row: dict) -> str:
    if "frechet" in row:
        return (f"classes {row.get('classes_covered')}/10, Fréchet {fmt(row.get('frechet'), '.2f')} (floor "
                f"{fmt(row.get('frechet_floor'), '.2f')}, ratio {fmt(row['frechet'] / row['frechet_floor'], '.2f')})")
    line = f"modes {row.get('modes_covered')}/{row.get('modes_total')}, KL {fmt(row.get('kl'), '.3f')}"
    if row.get("kl_channels") is not None:  # results saved before the split was measured have none
        line += (f" = channels {' + '.join(f'{k:.3f}' for k in row['kl_channels'])}"
                 f" + dependence {row['kl_dependence']:.3f}")
    return line


def verdict(key: str, rows: list[dict]) -> str:
    """The row's target over every run: met, or the gap."""
    if not rows:
        return "no runs"
    if key in ("ring8", "grid25"):
        total, hq_min, kl_max = {"ring8": (8, 97.0, 0.02), "grid25": (25, 95.0, 0.03)}[key]
        modes = min(r["modes_covered"] for r in rows)
        hq = min(100 * r["high_quality"] for r in rows)
        kl = max(r["reverse_kl"] if r.get("reverse_kl") is not None else float("inf") for r in rows)
        parts = [f"modes lowest {modes}/{total} ({'met' if modes == total else 'NOT met'})",
                 f"HQ lowest {hq:.1f}% ({'met' if hq >= hq_min else f'NOT met, {hq_min - hq:.1f} points short'})",
                 f"reverse KL highest {kl:.3f} ({'met' if kl <= kl_max else f'NOT met, {kl - kl_max:.3f} over'})"]
    elif key in ("heldout", "tuning"):
        every = sum(r["modes_covered"] == r["modes_total"] for r in rows)
        hq = float(np.mean([100 * r["high_quality"] for r in rows]))
        share = 100 * every / len(rows)
        parts = [f"every mode in {every} of {len(rows)} ({share:.0f}%; {'met' if share >= 90 else 'NOT met'})",
                 f"HQ mean {hq:.1f}% ({'met' if hq >= 90 else f'NOT met, {90 - hq:.1f} points short'})"]
    elif key == "stacked-digits":
        modes, kl = min(r["modes_covered"] for r in rows), max(r["kl"] for r in rows)
        parts = [f"modes lowest {modes} ({'met' if modes >= 990 else f'NOT met, {990 - modes} short'})",
                 f"KL highest {kl:.3f} ({'met' if kl <= 0.1 else f'NOT met, {kl - 0.1:.3f} over'})"]
    else:
        ratio = max(r["frechet"] / r["frechet_floor"] for r in rows)
        classes = min(r.get("classes_covered", 0) for r in rows)
        parts = [f"Fréchet / floor highest {ratio:.2f} ({'met' if ratio <= 2 else 'NOT met'})",
                 f"classes lowest {classes}/10 ({'met' if classes == 10 else 'NOT met'})"]
    return "; ".join(parts)


def summarize(names: list[str]) -> None:
    """Each saved row's means and extremes, from its JSON: what the documents quote beside the verdicts. A name
    ``a+b`` joins the runs of results ``a`` and ``b`` (seeds run in parts, with the same recipe) into one row."""
    for name in names:
        parts = name.split("+")
        saved = json.loads((HERE / "results" / f"{parts[0]}.json").read_text())
        for part in parts[1:]:
            for key, runs in json.loads((HERE / "results" / f"{part}.json").read_text())["rows"].items():
                saved["rows"][key] = saved["rows"].get(key, []) + runs
        speed = saved["reference_steps_per_second"]
        # the default recipe is the one of the commit the row ran on (its .txt header), not necessarily today's
        # a part run with overrides says so (a row's seeds may have run as an override before it became the default)
        described = []
        for part in parts:
            found = re.search(r", commit (\S+),", (HERE / "results" / f"{part}.txt").read_text())
            overrides = " ".join(json.loads((HERE / "results" / f"{part}.json").read_text()).get("extra") or [])
            described.append((found[1] if found else "?") + (f" with {overrides}" if overrides else ""))
        commits = ", ".join(dict.fromkeys(described))
        single = " ".join(saved.get("extra") or []) if len(parts) == 1 else ""
        extra = single or f"the default recipe at commit {commits}"
        for key, runs in saved["rows"].items():
            print(f"{name}, {ROWS[key].name} ({extra}), {len(runs)} runs:")
            if key in ("stacked-digits", "digits"):
                for r in sorted(runs, key=lambda r: r["seed"]):
                    print(f"  seed {r['seed']}: {r['steps']} steps, {image_line(r)}")
                score, label = ("frechet", "Fréchet") if key == "digits" else ("kl", "KL")
                values = [r[score] for r in runs]
                print(f"  {label} mean {np.mean(values):.3f}, lowest {min(values):.3f}, highest {max(values):.3f}")
            else:
                hq = [100 * r["high_quality"] for r in runs]
                kl = [r["reverse_kl"] if r.get("reverse_kl") is not None else float("inf") for r in runs]
                print(f"  modes lowest {min(r['modes_covered'] for r in runs)}; HQ mean {np.mean(hq):.1f}%, lowest "
                      f"{min(hq):.1f}%; reverse KL mean {np.mean(kl):.3f}, highest {max(kl):.3f}; steps "
                      f"{min(r['steps'] for r in runs)}-{max(r['steps'] for r in runs)}; reference steps used, "
                      f"highest {max(r['seconds'] for r in runs) * speed:,.0f}")
            print(f"  {verdict(key, runs)}")


def seeds_to_run(row: Row, first_seed: int = 0, seeds: int | None = None,
                 seed_list: list[int] | None = None) -> list[int]:
    """The seeds a row runs: ``seed_list`` as given, else ``seeds`` (default: the row's) from ``first_seed`` on."""
    if seed_list:
        return list(seed_list)
    return list(range(first_seed, first_seed + (seeds or row.seeds)))


def history(folder: Path) -> None:
    """Every evaluation of each run folder under ``folder`` (kept with ``--keep``), from its metrics.jsonl."""
    for run in sorted(p for p in folder.iterdir() if (p / "metrics.jsonl").is_file()):
        print(f"{run.name}:")
        for line in (run / "metrics.jsonl").read_text().splitlines():
            r = json.loads(line)
            if "frechet" in r or "modes_covered" in r:
                score = (f"classes {r.get('classes_covered')}/10, Fréchet {fmt(r.get('frechet'), '.2f')}"
                         if "frechet" in r else
                         f"modes {r['modes_covered']}/{r.get('modes_total')}, KL {fmt(r.get('kl'), '.3f')}"
                         + (f" (dependence {r['kl_dependence']:.3f})" if r.get("kl_dependence") is not None else "")
                         if "kl" in r else f"modes {r['modes_covered']}/{r.get('modes_total')}, HQ "
                         f"{100 * r.get('high_quality', float('nan')):.1f}%")
                judged = (f", D(x) {r['d_real']:.3f}, D(G(z)) {r['d_fake']:.3f}"  # how sure D is: 0.5 is a coin
                          if "d_real" in r and "d_fake" in r else "")
                print(f"  step {r['step']:>6} at {r['time']:7.1f} s: {score}{judged}")


def main(argv: list[str] | None = None) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    ours = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", nargs="+", default=["ring8", "grid25", "heldout", "stacked-digits", "digits"],
                        choices=list(ROWS))
    parser.add_argument("--seeds", type=int, default=None, help="seeds per row (default: 10; the mixtures: 1 each)")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds run from here (default 0): a hard seed alone")
    parser.add_argument("--seed-list", type=int, nargs="+", default=None, metavar="SEED",
                        help="run exactly these seeds (in place of --first-seed and --seeds), e.g. the last two of "
                             "a row: --seed-list 9 0")
    parser.add_argument("--mixtures", type=int, default=None, help="only the first N mixtures of a mixture row")
    parser.add_argument("--output", default="quality", help="name of the saved output under benchmarks/results/")
    parser.add_argument("--workers", type=int, default=1,
                        help="runs at a time, each with cores / workers torch threads; the reference loop is timed "
                             "under the same load (as many copies side by side, each with a run's threads), so a "
                             "run's budget is its reference steps on the machine as it is while the runs share it")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads per run (default: cores / workers with --workers, else torch's "
                             "default): one run on one core beside another benchmark")
    parser.add_argument("--keep", type=Path, default=None, help="write the run folders here and keep them")
    parser.add_argument("--summarize", nargs="+", metavar="NAME", default=None,
                        help="print the saved rows of benchmarks/results/NAME.json (means and extremes) and save "
                             "them as quality_summary.txt; trains nothing")
    parser.add_argument("--history", type=Path, default=None, metavar="DIR",
                        help="print every evaluation of the run folders kept under DIR (--keep) and save it as "
                             "quality_history.txt (or --output's name); trains nothing")
    args = parser.parse_args(ours)
    command = command_line(__file__, argv)
    if args.history:
        with recorded("quality_history" if args.output == "quality" else args.output, command):
            history(args.history)
        return {}
    if args.summarize:
        with recorded("quality_summary", command):
            summarize(args.summarize)
        return {}
    threads = args.threads or (max(1, (os.cpu_count() or 1) // args.workers) if args.workers > 1 else None)
    results: dict = {"extra": extra, "rows": {}}
    with recorded(args.output, command), tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
        tmp = str(args.keep or scratch)
        Path(tmp).mkdir(parents=True, exist_ok=True)
        speed = timed_reference(threads, args.workers)
        results["reference_steps_per_second"] = speed
        print(f"reference loop (benchmarks/reference_loop.py): {speed:.1f} steps per second on this machine with "
              f"{threads or torch_threads()} torch thread(s); {os.cpu_count()} cores, {args.workers} run(s) at a time"
              + (f" (timed as {args.workers} copies side by side, their mean)" if args.workers > 1 else
                 " (timed in a process of its own)" if threads else "")
              + (f"; every run with {' '.join(extra)}" if extra else ""), flush=True)
        def seeds_of(row: Row) -> list[int]:
            return seeds_to_run(row, args.first_seed, args.seeds, args.seed_list)

        plan, limits = [], {}  # (row key, time limit, job) for every run of every row; each row's time limit
        for key in args.rows:
            row = ROWS[key]
            limit = limits[key] = row.seconds if row.seconds is not None else row.reference_steps / speed
            if key in ("heldout", "tuning"):
                seeds = HELD_OUT if key == "heldout" else TUNING
                jobs = [(mixture(s), seed) for s in seeds[:args.mixtures] for seed in seeds_of(row)]
            else:
                jobs = [(None, seed) for seed in seeds_of(row)]
            plan += [(key, limit, job) for job in jobs]

        def one(item):
            key, limit, (drawn, seed) = item
            name = drawn.name if drawn else key
            folder = Path(tmp) / f"{name}-{seed}"
            data = str(drawn.save(Path(tmp))) if drawn else key
            # the time limit ends a run at the first step past it: 1% early, so the last step fits the budget
            result = {"data": name, "seed": seed, **train(data, folder, seed, 0.99 * limit, extra, threads)}
            samples = None
            if drawn:
                from gandojo.metrics.modes import score_modes

                samples = generated(folder, seed)
                result.update(score_modes(samples, drawn.modes()).to_json())
                result["drawn"] = drawn.describe()
            print(f"  (done: {name} seed {seed}, {result['steps']} steps, {result['status']})", file=sys.stderr,
                  flush=True)
            return drawn, seed, result, samples

        # one pool for every row's runs, the longest budgets first, so that no worker idles while another runs
        # a row's last long run; the rows are printed in order once all have run
        order = sorted(range(len(plan)), key=lambda i: -plan[i][1])
        with ThreadPoolExecutor(args.workers) as pool:  # each run is a process of its own
            futures = {i: pool.submit(one, plan[i]) for i in order}
            outcomes = [futures[i].result() for i in range(len(plan))]
        for key in args.rows:
            row = ROWS[key]
            budget = (f"{row.reference_steps:,} reference steps = {limits[key]:.1f} s here" if row.reference_steps
                      else f"{limits[key] / 60:.0f} minutes")
            print(f"\n{row.name}: budget {budget} per run; target {row.target}", flush=True)
            done = [outcome for (k, _lim, _job), outcome in zip(plan, outcomes, strict=True) if k == key]
            runs = []
            if key in ("heldout", "tuning"):
                figure = draw_mixtures([(d, x, r) for d, _seed, r, x in done], HERE / "results" / f"{args.output}.png")
                print(f"figure: benchmarks/results/{figure.name} (each mixture's data in grey, the samples in blue)")
            for _drawn, _seed, result, _samples in done:
                runs.append(result)
                said = image_line(result) if key in ("stacked-digits", "digits") else point_line(result)
                used = f", {result['seconds'] * speed:,.0f} reference steps" if row.reference_steps else ""
                print(f"  {result['data']} seed {result['seed']}: {result['steps']} steps in {result['seconds']:.1f} s"
                      f"{used} ({result['status']}), {said}" + (f"  [{result['drawn']}]" if "drawn" in result else ""),
                      flush=True)
            results["rows"][key] = runs
            print(f"{row.name}, {len(runs)} runs: {verdict(key, runs)}", flush=True)
        after = timed_reference(threads, args.workers)
        results["reference_steps_per_second_after"] = after
        drift = abs(after - speed) / speed
        print(f"\nreference loop again at the end: {after:.1f} steps per second ({100 * drift:.0f}% from the start"
              + ("; the machine's speed changed during the run: compare budgets with care)" if drift > 0.1 else ")"))
    (HERE / "results" / f"{args.output}.json").write_text(json.dumps(results, indent=1, default=str))
    return results


if __name__ == "__main__":
    main()
