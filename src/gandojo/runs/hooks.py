"""The per-step work around the training loop: the metrics log, evaluations, snapshots, checkpoints (by
steps and by time), health warnings and the progress display. :func:`gandojo.train.fit` calls the hooks
after every generator step; their own state travels in every checkpoint."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import torch

from gandojo.config.conditions import EVALUATION_KEYS, all_hold
from gandojo.distributed import World, agree
from gandojo.errors import StopRequested, WriteError
from gandojo.health import HealthMonitor
from gandojo.metrics.report import json_safe
from gandojo.metrics.scoring import make_evaluator
from gandojo.runs.checkpoint import mark_last_good, prune_checkpoints, save_checkpoint
from gandojo.runs.progress import MetricsLog, ProgressDisplay
from gandojo.runs.tensorboard import TensorBoardLog
from gandojo.train import Trainer
from gandojo.viz.images import image_grid
from gandojo.viz.training import points_snapshot

__all__ = ["LOGGED_EVAL_KEYS", "RunHooks", "StopAgreement", "StopRequested", "TargetReached", "TimeLimitReached"]


# evaluation keys copied into metrics.jsonl (points, then digits, then stacked digits)
LOGGED_EVAL_KEYS = EVALUATION_KEYS


def _clock() -> float:
    """Seconds on a monotonic clock (a function of its own so tests can stand in a fake clock)."""
    return time.monotonic()


class TimeLimitReached(Exception):  # noqa: N818 - an event, not an error
    """``train.time_limit`` seconds of training have passed; raised after the step's evaluation and snapshot."""


class TargetReached(TimeLimitReached):
    """Every ``train.stop_when`` condition held at this step's evaluation; raised after its snapshot. A clean
    stop like the time limit's, with its own status."""


class RunHooks:
    """The per-step work around the loop: metrics log, evaluation, snapshots, checkpoints, progress.

    Its own state (the logging window's partial sums, the training time so far, the health warnings
    given) goes into every checkpoint, so a resumed run logs exactly the lines an uninterrupted run logs.
    """

    def __init__(self, run_dir: Path, trainer: Trainer, log: MetricsLog, progress: ProgressDisplay, *,
                 cache_dir: str | Path | None = None, tensorboard: TensorBoardLog | None = None):
        self.run_dir, self.trainer, self.log, self.progress = run_dir, trainer, log, progress
        self.tensorboard = tensorboard
        self.train_cfg = trainer.config.train
        self.started = _clock()  # minus the training time of earlier processes, once a checkpoint is loaded
        self.last_checkpoint = self.started
        self.last_eval: dict[str, Any] = {}
        self.window: dict[str, tuple[float, int]] = {}  # stat -> (sum, count) since the last log line
        self.health = HealthMonitor(trainer.config.objective.name)
        self.notes: list[str] = []
        self.stop_requested: int | None = None  # the signal that asked to stop after this step (SIGINT, SIGTERM...)
        self.saved_step: int | None = None  # the step of the newest checkpoint on disk
        self.cache_dir = cache_dir
        self.evaluator = None  # built on first use: image metrics load a classifier and real statistics once

    def elapsed(self) -> float:
        """Seconds of training in this run, counting the processes before a resume."""
        return _clock() - self.started

    def state_dict(self) -> dict[str, Any]:
        return {"window": {k: list(v) for k, v in self.window.items()}, "elapsed": self.elapsed(),
                "health": self.health.state_dict(), "last_eval": json_safe(self.last_eval)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.window = {k: (total, count) for k, (total, count) in state["window"].items()}
        self.started = _clock() - state["elapsed"]
        self.health.load_state_dict(state["health"])
        self.last_eval = state["last_eval"]

    def evaluate(self) -> dict[str, Any]:
        t = self.trainer
        if self.evaluator is None:
            self.evaluator = make_evaluator(t.data, seed=t.seeds["eval_real"], cache_dir=self.cache_dir)
        samples = t.generate(self.train_cfg.eval_samples)
        return self.evaluator(samples)

    def snapshot(self) -> None:
        """The fixed-noise samples as a picture; a picture that cannot be written is a warning, never the end of
        training."""
        try:
            self._snapshot()
        except WriteError as err:
            self.progress.message(f"warning: snapshot not written: {err}")

    def _snapshot(self) -> None:
        t = self.trainer
        step = t.g_step
        with torch.no_grad():
            generator = t.sampler
            was_training = generator.training
            generator.eval()
            fake = generator(t.fixed_noise).cpu()
            generator.train(was_training)
        path = self.run_dir / "samples" / f"step_{step:06d}.png"
        if t.data.kind == "points":
            real = t.data.sample(2000, torch.Generator().manual_seed(0)).numpy()
            modes = t.data.modes if t.data.modes is not None and t.data.shape[0] == 2 else None
            points_snapshot(fake.numpy(), real, path, title=f"step {step}",
                            centers=None if modes is None else modes.centers,
                            names=None if modes is None else modes.names)
        else:
            image_grid(fake, path, nrow=8)
            if not (self.run_dir / "real.png").exists():
                image_grid(t.data.sample(len(fake), torch.Generator().manual_seed(0)), self.run_dir / "real.png",
                           nrow=8)
        if self.tensorboard is not None:
            self.tensorboard.snapshot(step, path)

    def checkpoint(self, name: str) -> Path:
        # The run state travels as JSON text: exact for floats, and plain data for the safe loader.
        path = save_checkpoint(self.run_dir / "checkpoints" / name, self.trainer.state_dict(),
                               self.trainer.config, {"run": json.dumps(self.state_dict())})
        self.last_checkpoint = _clock()
        self.saved_step = self.trainer.g_step
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
        out_of_time = cfg.time_limit is not None and self.elapsed() >= cfg.time_limit
        last = step == cfg.steps or out_of_time  # a time limit ends the run like its last step
        means = self._window_means(stats)
        record: dict[str, Any] | None = None
        if step % cfg.log_every == 0 or step % cfg.eval_every == 0 or last or step == 1:
            record = {"step": step, "d_steps": trainer.d_step, **means}
            self.window.clear()
        reached = False
        if step % cfg.eval_every == 0 or last:
            result = self.evaluate()
            self.last_eval = result
            record.update({k: result[k] for k in LOGGED_EVAL_KEYS if k in result})
            if result.get("wasserstein") is not None:
                record["w_exact"] = result["wasserstein"]
            reached = step < cfg.steps and all_hold(cfg.stop_when, result)
        if record is not None:
            record["time"] = round(self.elapsed(), 3)
            self.log.write(record)
            if self.tensorboard is not None:
                self.tensorboard.scalars(record)
            for warning in self.health.check(record):
                self.progress.message(f"warning: {warning}")
        last = last or reached  # the target ends the run like its last step
        if step % cfg.sample_every == 0 or last:
            self.snapshot()
        due = step % cfg.checkpoint_every == 0 or _clock() - self.last_checkpoint >= cfg.checkpoint_seconds
        if due and not last:  # by steps, and by time so that a kill loses at most checkpoint_seconds of work
            self.checkpoint(f"step_{step:07d}.pt")
        self.progress.update(step, {**stats, **(record or {})})
        if self.stop_requested is not None:
            raise StopRequested(self.stop_requested)
        if reached:
            raise TargetReached(step)
        if out_of_time and step < cfg.steps:
            raise TimeLimitReached(step)


class StopAgreement:
    """Under torchrun: every process stops at the same step, or none does.

    Wraps rank 0's :class:`RunHooks` (the other ranks have none): after each step the ranks agree, by one
    all-reduce of an integer, on the strongest reason to stop — 0 go on, 1 rank 0's time limit
    (:class:`TimeLimitReached`), 2 its stop conditions (:class:`TargetReached`), ``SIGNALLED + signum`` a
    signal on any rank (Ctrl-C, or the SIGTERM torchrun forwards when it is stopped: :class:`StopRequested`) —
    and all raise it together, so no rank waits forever in a collective its peers have left.
    """

    GO, TIME_LIMIT, TARGET, SIGNALLED = 0, 1, 2, 1000

    def __init__(self, world: World, hooks: RunHooks | None = None):
        self.world, self.hooks = world, hooks
        self.stop_requested: int | None = None  # a signal on a rank without hooks (rank 0's hooks raise their own)

    def __call__(self, trainer: Trainer, stats: dict[str, float]) -> None:
        code = self.GO if self.stop_requested is None else self.SIGNALLED + self.stop_requested
        try:
            if self.hooks is not None:
                self.hooks(trainer, stats)
        except StopRequested as stop:
            code = self.SIGNALLED + stop.signum
        except TargetReached:
            code = self.TARGET
        except TimeLimitReached:
            code = self.TIME_LIMIT
        code = agree(self.world, code, trainer.device)
        if code == self.TARGET:
            raise TargetReached(trainer.g_step)
        if code == self.TIME_LIMIT:
            raise TimeLimitReached(trainer.g_step)
        if code >= self.SIGNALLED:
            raise StopRequested(code - self.SIGNALLED)
