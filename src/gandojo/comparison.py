"""Several objectives on the same data, seeds and budget: one run folder each, a table of mean ± std, a figure.

Every run is an ordinary run folder under the comparison's folder, named by the objective, the seed and a
hash of its resolved config. A run whose summary says it finished is not trained again; one that was
interrupted is resumed; so running the same comparison twice trains only what is missing.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import torch

from gandojo.atomic import atomic_write, make_folder
from gandojo.config import Config, apply_overrides, dump_yaml, load_preset, parse_budget, recipe_for, resolve
from gandojo.config import with_objective as play
from gandojo.data import data_kind
from gandojo.inference import open_generator
from gandojo.models import generate
from gandojo.objectives import OBJECTIVES
from gandojo.report import comparison_report, run_report
from gandojo.runs.folder import FolderLock, write_json
from gandojo.runs.runner import prepare, resume_run, train_run
from gandojo.train import Trainer, fit
from gandojo.viz.images import image_panels
from gandojo.viz.training import panels_figure

__all__ = ["CLASSIC", "Comparison", "compare", "comparison_config", "steps_for_seconds"]

CLASSIC = ("gan", "gan-minimax", "wgan", "wgan-gp")  # the seed's four, compare's default with "best"
# The columns of the table, by the kind of scores the data gets: (JSON key, label, format, percent).
COLUMNS = {
    "modes": [("modes_covered", "modes", ".1f", False), ("high_quality", "HQ %", ".1f", True),
              ("reverse_kl", "reverse KL", ".3f", False), ("wasserstein", "W1", ".3f", False)],
    "points": [("wasserstein", "W1", ".3f", False)],
    "digits": [("classes_covered", "classes", ".1f", False), ("confident", "confident %", ".1f", True),
               ("class_kl", "class KL", ".3f", False), ("frechet", "Fréchet", ".1f", False)],
    "stacked-digits": [("modes_covered", "modes", ".0f", False), ("kl", "KL", ".3f", False)],
}


def comparison_config(data: str, objective: str) -> Config:
    """The config a comparison trains: ``"best"`` is the best recipe for the data's kind; an objective of the
    registry (gan, gan-minimax, lsgan, hinge, wgan, wgan-gp) plays its paper defaults on the same kind of model,
    without remedies. Every one trains its whole budget: the image recipe's stop at the data's target is off, so
    the table compares the same number of steps."""
    kind = data_kind(data)
    if objective == "best":
        base = load_preset(recipe_for(data))
    else:
        base = load_preset("digits-dcgan") if kind == "images" else Config()
        base = play(base, objective)
    return apply_overrides(base, [f"data.name={data}", "train.stop_when=[]"])


def steps_for_seconds(config: Config, seconds: float, *, probe_steps: int = 20) -> int:
    """How many generator steps of ``config`` fit in ``seconds`` on this machine, from a short timed probe
    (after a few warm-up steps); schedules such as a linear learning-rate decay then end with the budget.

    The probe times updates of either player and counts them: WGAN's schedule runs 100 critic steps per
    generator step at first and every 500th step, so a generator step costs what its critic steps cost.
    """
    checked, data, _ = prepare(replace(config, train=replace(config.train, steps=10**9)))
    trainer = Trainer(checked, data)
    fit(trainer, 3)
    started, d_before = time.perf_counter(), trainer.d_step
    fit(trainer, 3 + probe_steps)
    per_update = (time.perf_counter() - started) / (trainer.d_step - d_before + probe_steps)
    game, cfg = OBJECTIVES[checked.objective.name], checked.objective
    updates = np.array([game.critic_steps(s, cfg) + 1 for s in range(_MAX_PROBED_STEPS)])
    affordable = np.cumsum(updates) * per_update <= 0.95 * seconds  # 5% for evaluations and snapshots
    return max(1, int(affordable.sum()))


_MAX_PROBED_STEPS = 10**6


@dataclass(frozen=True)
class Comparison:
    """The runs of a comparison (one summary per objective and seed) and their table."""

    data: str
    budget: str
    objectives: tuple[str, ...]
    runs: dict[str, list[dict[str, Any]]]  # objective -> one summary per seed
    folders: dict[str, list[str]]

    def benchmark(self) -> str:
        first = next(iter(self.runs.values()))[0]["evaluation"]
        if "per_mode" in first:
            return "modes"
        if "classes_covered" in first:
            return "digits"
        return "stacked-digits" if first.get("modes_total") == 1000 else "points"

    def rows(self) -> list[dict[str, Any]]:
        """One row per objective: mean and std of each score over the seeds, and the seconds of training."""
        out = []
        for objective, summaries in self.runs.items():
            row: dict[str, Any] = {"objective": objective, "seeds": len(summaries)}
            for key, *_ in COLUMNS[self.benchmark()]:
                values = [s["evaluation"].get(key) for s in summaries]
                values = [v for v in values if v is not None and math.isfinite(v)]
                row[key] = (float(np.mean(values)), float(np.std(values))) if values else (None, None)
            seconds = [s["seconds"] for s in summaries]
            row["seconds"] = (float(np.mean(seconds)), float(np.std(seconds)))
            row["steps"] = float(np.mean([s["steps"] for s in summaries]))
            out.append(row)
        return out

    def table(self) -> str:
        """The rows as text: mean ± std over the seeds."""
        columns = COLUMNS[self.benchmark()]
        header = [f"{'objective':<12}"] + [f"{label:>16}" for _, label, _, _ in columns] + [f"{'steps':>7}",
                                                                                           f"{'seconds':>13}"]
        lines = ["".join(header)]
        for row in self.rows():
            cells = [f"{row['objective']:<12}"]
            for key, _, spec, percent in columns:
                mean, std = row[key]
                scale = 100 if percent else 1
                text = "n/a" if mean is None else f"{scale * mean:{spec}} ± {scale * std:{spec}}"
                cells.append(f"{text:>16}")
            cells.append(f"{row['steps']:>7.0f}")
            cells.append(f"{row['seconds'][0]:>7.1f} ± {row['seconds'][1]:.1f}")
            lines.append("".join(cells))
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {"data": self.data, "budget": self.budget, "benchmark": self.benchmark(), "rows": self.rows(),
                "runs": {o: [{"folder": f, **s} for f, s in zip(self.folders[o], self.runs[o], strict=True)]
                         for o in self.objectives}}


def _scores(evaluation: dict[str, Any]) -> str:
    """One run's scores in a few words, for the progress lines."""
    if "per_mode" in evaluation:
        return (f"modes {evaluation['modes_covered']}/{evaluation['modes_total']}, "
                f"HQ {100 * evaluation['high_quality']:.1f}%")
    if "classes_covered" in evaluation:
        return f"classes {evaluation['classes_covered']}/10, Fréchet {evaluation['frechet']:.1f}"
    if evaluation.get("modes_total") == 1000:
        return f"modes {evaluation['modes_covered']}/1000, KL {evaluation['kl']:.3f}"
    return f"W1 {evaluation.get('wasserstein', float('nan')):.3f}"


def _config_hash(config: Config) -> str:
    return hashlib.sha256(dump_yaml(resolve(config)).encode()).hexdigest()[:8]


def compare(data: str, objectives: list[str], seeds: int, budget: str, out: str | Path, *,
            stream: TextIO | None = None, cache_dir: str | Path | None = None) -> Comparison:
    """Train every objective on seeds 0..``seeds``-1 of ``data`` within ``budget`` (``"60s"`` or
    ``"2000steps"``) into folders under ``out``, reusing finished runs; returns the :class:`Comparison`.

    A time budget is turned into a number of steps per objective by a short timed probe
    (:func:`steps_for_seconds`), so that learning-rate schedules end with the budget and a run is
    reproducible; its step count is in the table.
    """
    stream = stream or sys.stdout
    unknown = [o for o in objectives if o not in (*OBJECTIVES, "best")]
    if unknown:
        raise ValueError(f"objective {unknown[0]!r} is unknown; expected {', '.join((*OBJECTIVES, 'best'))}")
    if seeds < 1:
        raise ValueError(f"--seeds must be at least 1, got {seeds}")
    unit, amount = parse_budget(budget)
    out = Path(out)
    total = len(objectives) * seeds, 0
    make_folder(out)
    with FolderLock(out, command="compare"):  # one comparison writes this folder at a time
        return _compare(data, objectives, seeds, budget, out, unit, amount, total, stream, cache_dir)


def _compare(data: str, objectives: list[str], seeds: int, budget: str, out: Path, unit: str, amount: float,
             total: int, stream: TextIO, cache_dir: str | Path | None) -> Comparison:
    runs: dict[str, list[dict[str, Any]]] = {}
    folders: dict[str, list[str]] = {}
    done = 0
    probed_path = out / "budgets.json"  # a time budget's steps, probed once: a rerun finds the same run folders
    probed = json.loads(probed_path.read_text()) if probed_path.is_file() else {}
    for objective in objectives:
        config = comparison_config(data, objective)
        if unit == "steps":
            steps = int(amount)
        else:
            key = f"{budget} {_config_hash(config)}"
            if key not in probed:
                probed[key] = steps_for_seconds(config, amount)
                write_json(probed_path, probed)
            steps = probed[key]
        config = apply_overrides(config, [f"train.steps={steps}"])
        runs[objective], folders[objective] = [], []
        for seed in range(seeds):
            seeded = apply_overrides(config, [f"train.seed={seed}"])
            folder = out / f"{objective}-seed{seed}-{_config_hash(seeded)}"
            done += 1
            summary_path = folder / "summary.json"
            previous = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
            if previous.get("status") == "finished":
                print(f"[{done}/{total}] {objective} seed {seed}: already trained ({folder.name})", file=stream,
                      flush=True)
                summary = previous
            else:
                how = "resuming" if (folder / "config.yaml").is_file() else "training"
                print(f"[{done}/{total}] {objective} seed {seed}: {how} {steps} steps ({folder.name})", file=stream,
                      flush=True)
                bar = stream.isatty()  # a progress bar per run on a terminal; otherwise one line before and after
                if how == "resuming":
                    summary = resume_run(folder, progress=bar, stream=stream, cache_dir=cache_dir, report=run_report)
                else:
                    summary = train_run(seeded, folder, progress=bar, stream=stream, cache_dir=cache_dir,
                                        report=run_report)
                print(f"[{done}/{total}] {objective} seed {seed}: {summary['steps']} steps in "
                      f"{summary['seconds']:.1f} s; {_scores(summary['evaluation'])}", file=stream, flush=True)
            runs[objective].append(summary)
            folders[objective].append(folder.name)
    comparison = Comparison(data, budget, tuple(objectives), runs, folders)
    write_json(out / "comparison.json", comparison.to_json())
    atomic_write(out / "comparison.txt", (comparison.table() + "\n").encode())
    comparison_figure(comparison, out)
    comparison_report(out, comparison.table(), comparison.folders,
                      f"Comparison: {', '.join(objectives)} on {data}, {budget} per run, {seeds} seed(s)")
    return comparison


def comparison_figure(comparison: Comparison, out: Path) -> Path:
    """``comparison.png``: one panel per objective with samples of its seed-0 generator (over the data, for
    points; a grid, for images)."""
    samples = {}
    for objective in comparison.objectives:
        loaded = open_generator(out / comparison.folders[objective][0])
        m = loaded.config.model
        samples[objective] = generate(loaded.generator, 1000 if loaded.data.kind == "points" else 36,
                                      m.latent_dim, m.noise, torch.Generator().manual_seed(0))
    data = loaded.data
    title = f"{comparison.data}, {comparison.budget} per run, seed 0"
    if data.kind == "points":
        real = data.sample(2000, torch.Generator().manual_seed(0))
        return panels_figure({k: v.numpy() for k, v in samples.items()}, real.numpy(), out / "comparison.png",
                             centers=None if data.modes is None else data.modes.centers, title=title)
    return image_panels(samples, out / "comparison.png", title=title)
