"""A training run on disk: the run folder, and the hooks that log, evaluate, snapshot and checkpoint.

A run folder holds ``config.yaml`` (the resolved config), ``metrics.jsonl`` (one line per logged
step, each value the mean over the generator steps since the previous line), ``checkpoints/``,
``samples/`` (fixed-noise snapshots), ``losses.png`` and ``summary.json``.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import torch

from gandojo.checkpoint import (
    CheckpointError,
    checkpoint_config,
    latest_checkpoint,
    list_checkpoints,
    load_checkpoint,
    load_exported,
    mark_last_good,
    prune_checkpoints,
    save_checkpoint,
)
from gandojo.config import Config, resolve, save_yaml, to_dict
from gandojo.evaluate import evaluate_samples, json_safe
from gandojo.health import HealthMonitor
from gandojo.tracking import MetricsLog, ProgressDisplay, read_metrics
from gandojo.train import NonFiniteError, Trainer, fit
from gandojo.viz import points_snapshot, training_curves

# Evaluation results copied into the metrics log at evaluation steps.
EVAL_KEYS = ("modes_covered", "modes_total", "high_quality", "reverse_kl")
RUN_FILES = ("config.yaml", "metrics.jsonl", "summary.json", "losses.png")


class RunHooks:
    """The per-step work around the loop: metrics log, evaluation, snapshots, checkpoints, progress."""

    def __init__(self, run_dir: Path, trainer: Trainer, log: MetricsLog, progress: ProgressDisplay):
        self.run_dir, self.trainer, self.log, self.progress = run_dir, trainer, log, progress
        self.train_cfg = trainer.config.train
        self.started = time.perf_counter()
        self.last_eval: dict[str, Any] = {}
        self.window: dict[str, tuple[float, int]] = {}  # stat -> (sum, count) since the last log line
        self.health = HealthMonitor(trainer.config.objective.name)
        self.notes: list[str] = []
        self.stop_requested = False

    def evaluate(self) -> dict[str, Any]:
        t = self.trainer
        samples = t.generate(self.train_cfg.eval_samples)
        return evaluate_samples(samples, t.data, seed=self.train_cfg.seed)

    def snapshot(self) -> None:
        t = self.trainer
        step = t.g_step
        with torch.no_grad():
            was_training = t.generator.training
            t.generator.eval()
            fake = t.generator(t.fixed_noise).cpu()
            t.generator.train(was_training)
        path = self.run_dir / "samples" / f"step_{step:06d}.png"
        if len(t.data.shape) == 1:
            real = t.data.sample(2000, torch.Generator().manual_seed(0)).numpy()
            centers = t.data.modes.centers if t.data.modes is not None and t.data.shape[0] == 2 else None
            points_snapshot(fake.numpy(), real, path, title=f"step {step}", centers=centers)

    def checkpoint(self, name: str) -> Path:
        path = save_checkpoint(self.run_dir / "checkpoints" / name, self.trainer.state_dict(),
                               self.trainer.config)
        # Every checkpoint is of a state whose losses and gradients were finite (the loop refuses to step
        # otherwise), so the newest one is also the last good one.
        mark_last_good(path)
        if name.startswith("step_"):
            prune_checkpoints(self.run_dir / "checkpoints", self.train_cfg.keep_checkpoints)
        return path

    def _window_means(self, stats: dict[str, float]) -> dict[str, float]:
        """Add this step's stats to the window; return the window's means (every step counts in the log)."""
        for key, value in stats.items():
            total, count = self.window.get(key, (0.0, 0))
            self.window[key] = (total + value, count + 1)
        return {key: total / count for key, (total, count) in self.window.items()}

    def __call__(self, trainer: Trainer, stats: dict[str, float]) -> None:
        step, cfg = trainer.g_step, self.train_cfg
        last = step == cfg.steps
        means = self._window_means(stats)
        record: dict[str, Any] | None = None
        if step % cfg.log_every == 0 or step % cfg.eval_every == 0 or last or step == 1:
            record = {"step": step, "d_steps": trainer.d_step, **means}
            self.window.clear()
        if step % cfg.eval_every == 0 or last:
            result = self.evaluate()
            self.last_eval = result
            record.update({k: result[k] for k in EVAL_KEYS if k in result})
            if result.get("wasserstein") is not None:
                record["w_exact"] = result["wasserstein"]
        if record is not None:
            record["time"] = round(time.perf_counter() - self.started, 3)
            self.log.write(record)
            for warning in self.health.check(record):
                self.progress.message(f"warning: {warning}")
        if step % cfg.sample_every == 0 or last:
            self.snapshot()
        if step % cfg.checkpoint_every == 0 and not last:
            self.checkpoint(f"step_{step:07d}.pt")
        self.progress.update(step, {**stats, **(record or {})})
        if self.stop_requested:
            raise StopRequested


def check_config(config: Config) -> Config:
    """Resolve ``config`` and check that its data loads and its models build for that data."""
    from gandojo.data import load_data
    from gandojo.models import build_models

    config = resolve(config)
    build_models(config.model, tuple(load_data(config.data).shape))
    return config


def _check_run_dir(run_dir: Path) -> None:
    if (run_dir / "config.yaml").exists():
        raise ValueError(f"{run_dir} already holds a run; choose another --out, or continue it with "
                         f"--resume {run_dir}")


def _truncate_metrics(path: Path, step: int) -> None:
    """Drop log lines written after ``step`` (a resumed run rewrites them)."""
    if path.exists():
        kept = [r for r in read_metrics(path) if r.get("step", 0) <= step]
        path.write_text("".join(json.dumps(json_safe(r)) + "\n" for r in kept))


class StopRequested(KeyboardInterrupt):
    """Ctrl-C, honoured at the end of the current step so the checkpoint is at a step boundary."""


@contextlib.contextmanager
def _graceful_interrupt(hooks: RunHooks):
    """First Ctrl-C: finish the step, checkpoint, stop. Second Ctrl-C: stop at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        if hooks.stop_requested:
            raise KeyboardInterrupt
        hooks.stop_requested = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def find_resumable(run_dir: Path) -> tuple[dict[str, Any], Path, list[str]]:
    """The newest checkpoint of ``run_dir`` that loads, with notes on any skipped as corrupt."""
    folder = run_dir / "checkpoints"
    candidates = [folder / "final.pt", *reversed(list_checkpoints(folder)), folder / "last-good.pt"]
    candidates = [c for c in candidates if c.is_file()]
    if not candidates:
        raise FileNotFoundError(f"{run_dir}: no checkpoint to resume from in {folder}")
    notes = []
    for path in candidates:
        try:
            return load_checkpoint(path), path, notes
        except CheckpointError as err:
            notes.append(f"{err}; trying an older checkpoint")
    raise CheckpointError(f"{run_dir}: every checkpoint is unreadable:\n" + "\n".join(notes))


def _config_differences(a: Config, b: Config) -> list[str]:
    flat_a, flat_b = to_dict(a), to_dict(b)
    return [f"{section}.{key}" for section in flat_a for key in flat_a[section]
            if flat_a[section][key] != flat_b[section][key]]


def train_run(config: Config, run_dir: str | Path, *, resume: bool = False, progress: bool = True,
              stream: TextIO | None = None) -> dict[str, Any]:
    """Train from ``config`` into ``run_dir`` (or continue the run there when ``resume``).

    Returns the summary written to ``summary.json``. On Ctrl-C the current step finishes, a checkpoint
    is written and :class:`StopRequested` (a ``KeyboardInterrupt``) is raised. On a NaN/inf loss or
    gradient no parameter or checkpoint is touched, ``failure.json`` records what happened and
    :class:`~gandojo.train.NonFiniteError` is raised. On resume only ``train.steps`` may differ from
    the saved config; a corrupt newest checkpoint is skipped (with a note) for an older good one.
    """
    run_dir = Path(run_dir)
    config = resolve(config)
    stream = stream or sys.stdout
    state, notes = None, []
    if resume:
        payload, checkpoint, notes = find_resumable(run_dir)
        for note in notes:
            print(f"warning: {note}", file=sys.stderr, flush=True)
        saved = resolve(checkpoint_config(payload))
        changed = [k for k in _config_differences(saved, config) if k != "train.steps"]
        if changed:
            raise ValueError(f"--resume continues the saved run; only train.steps may change, not "
                             f"{', '.join(changed)}")
        config = replace(saved, train=replace(saved.train, steps=config.train.steps))
        state = payload["trainer"]
    else:
        _check_run_dir(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "checkpoints").mkdir(exist_ok=True)
    (run_dir / "samples").mkdir(exist_ok=True)
    save_yaml(config, run_dir / "config.yaml")
    trainer = Trainer(config)
    if state is not None:
        trainer.load_state_dict(state)
        if trainer.g_step > config.train.steps:
            raise ValueError(f"the checkpoint is at step {trainer.g_step}, past --steps {config.train.steps}")
        _truncate_metrics(run_dir / "metrics.jsonl", trainer.g_step)
        (run_dir / "failure.json").unlink(missing_ok=True)
    log = MetricsLog(run_dir / "metrics.jsonl")
    display = ProgressDisplay(config.train.steps, trainer.g_step, stream=stream, enabled=progress)
    hooks = RunHooks(run_dir, trainer, log, display)
    hooks.notes.extend(notes)
    started = time.perf_counter()
    start_step = trainer.g_step
    status = "finished"
    try:
        with _graceful_interrupt(hooks):
            fit(trainer, config.train.steps, [hooks], diagnostics_every=config.train.log_every)
    except StopRequested:
        status = "interrupted"
        hooks.checkpoint(f"step_{trainer.g_step:07d}.pt")
        raise
    except KeyboardInterrupt:
        status = "interrupted"  # a second Ctrl-C mid-step: the state is not at a step boundary, keep older ones
        raise
    except NonFiniteError as err:
        status = "failed"
        (run_dir / "failure.json").write_text(json.dumps(json_safe(
            {"step": err.step, "what": err.what, "last_stats": err.stats,
             "hint": "lower optim.lr, or resume from the last checkpoint with --resume"}), indent=2))
        raise
    finally:
        display.close()
        log.close()
        if status != "finished":
            _write_summary(run_dir, trainer, status, started, start_step, hooks)
    hooks.checkpoint("final.pt")
    training_curves(read_metrics(run_dir / "metrics.jsonl"), run_dir / "losses.png",
                    title=f"{config.objective.name} on {config.data.name}")
    return _write_summary(run_dir, trainer, status, started, start_step, hooks)


def _write_summary(run_dir: Path, trainer: Trainer, status: str, started: float, start_step: int,
                   hooks: RunHooks) -> dict[str, Any]:
    elapsed = time.perf_counter() - started
    steps_run = trainer.g_step - start_step
    summary = {
        "status": status,
        "objective": trainer.config.objective.name,
        "data": trainer.config.data.name,
        "model": trainer.config.model.family,
        "steps": trainer.g_step,
        "critic_steps": trainer.d_step,
        "seconds": round(elapsed, 2),
        "steps_per_second": round(steps_run / elapsed, 2) if elapsed > 0 else None,
        "evaluation": hooks.last_eval,
        "warnings": hooks.health.messages,
        "notes": hooks.notes,
    }
    (run_dir / "summary.json").write_text(json.dumps(json_safe(summary), indent=2))
    return summary


def load_trainer(path: str | Path) -> Trainer:
    """A trainer restored from a run folder (its newest checkpoint) or a checkpoint file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no run folder or checkpoint at {path}")
    checkpoint = latest_checkpoint(path) if path.is_dir() else path
    payload = load_checkpoint(checkpoint)
    trainer = Trainer(resolve(checkpoint_config(payload)))
    trainer.load_state_dict(payload["trainer"])
    return trainer


def load_generator(path: str | Path) -> tuple[torch.nn.Module, Config, Any]:
    """(generator in eval mode, config, data set) from a run folder, checkpoint, or exported ``.safetensors``."""
    path = Path(path)
    if path.suffix == ".safetensors":
        from gandojo.data import load_data
        from gandojo.models import build_models

        tensors, config = load_exported(path)
        data = load_data(config.data)
        generator, _ = build_models(config.model, tuple(data.shape))
        generator.load_state_dict(tensors)
        return generator.eval(), config, data
    trainer = load_trainer(path)
    return trainer.generator.eval(), trainer.config, trainer.data


def evaluate_run(path: str | Path, *, samples: int = 2500, seed: int = 0) -> dict[str, Any]:
    """Evaluate ``samples`` fresh samples of a run folder, checkpoint or exported generator."""
    from gandojo.models import generate

    if samples < 2:
        raise ValueError(f"--samples must be at least 2, got {samples}")
    generator, config, data = load_generator(path)
    fake = generate(generator, samples, config.model.latent_dim, config.model.noise,
                    torch.Generator().manual_seed(seed))
    return evaluate_samples(fake, data, seed=seed)


def write_samples(source: str | Path, n: int, out: str | Path, *, seed: int = 0) -> Path:
    """Draw ``n`` samples from a run, checkpoint or exported generator and write them to ``out``.

    Points go to ``.npy`` or ``.csv`` (N, D).
    """
    import numpy as np

    from gandojo.models import generate

    if n < 1:
        raise ValueError(f"-n must be at least 1, got {n}")
    out = Path(out)
    generator, config, data = load_generator(source)
    fake = generate(generator, n, config.model.latent_dim, config.model.noise,
                    torch.Generator().manual_seed(seed))
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".npy":
        np.save(out, fake.numpy())
    elif out.suffix == ".csv":
        np.savetxt(out, fake.reshape(n, -1).numpy(), delimiter=",", fmt="%.6g")
    else:
        raise ValueError(f"{out}: expected a .npy or .csv output file")
    return out
