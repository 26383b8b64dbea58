"""A training run on disk: the run folder, and the hooks that log, evaluate, snapshot and checkpoint.

A run folder holds ``config.yaml`` (the resolved config), ``metrics.jsonl`` (one line per logged
step, each value the mean over the generator steps since the previous line), ``checkpoints/``,
``samples/`` (fixed-noise snapshots: scatter plots for points, image grids for images), ``losses.png``
and ``summary.json``; image runs also hold ``real.png`` (a grid of real images) and, when some input
files could not be read, ``skipped_files.txt``.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

import torch

from gandojo.checkpoint import (
    CheckpointError,
    checkpoint_config,
    list_checkpoints,
    load_checkpoint,
    load_exported,
    mark_last_good,
    prune_checkpoints,
    save_checkpoint,
)
from gandojo.config import Config, load_yaml, resolve, resolve_explained, save_yaml, to_dict
from gandojo.evaluate import json_safe, make_evaluator
from gandojo.health import HealthMonitor
from gandojo.seeds import stream_seeds
from gandojo.tracking import MetricsLog, ProgressDisplay, read_metrics
from gandojo.train import NonFiniteError, Trainer, fit
from gandojo.viz import image_grid, points_snapshot, training_curves

RUN_FILES = ("config.yaml", "metrics.jsonl", "summary.json", "losses.png")
# evaluation keys copied into metrics.jsonl (points, then digits, then stacked digits)
LOGGED_EVAL_KEYS = ("modes_covered", "modes_total", "high_quality", "reverse_kl", "classes_covered", "class_kl",
                    "confident", "frechet", "frechet_floor", "precision", "recall", "density", "coverage", "kl")


def _clock() -> float:
    """Seconds on a monotonic clock (a function of its own so tests can stand in a fake clock)."""
    return time.monotonic()


class RunHooks:
    """The per-step work around the loop: metrics log, evaluation, snapshots, checkpoints, progress.

    Its own state (the logging window's partial sums, the training time so far, the health warnings
    given) goes into every checkpoint, so a resumed run logs exactly the lines an uninterrupted run logs.
    """

    def __init__(self, run_dir: Path, trainer: Trainer, log: MetricsLog, progress: ProgressDisplay, *,
                 cache_dir: str | Path | None = None):
        self.run_dir, self.trainer, self.log, self.progress = run_dir, trainer, log, progress
        self.train_cfg = trainer.config.train
        self.started = _clock()  # minus the training time of earlier processes, once a checkpoint is loaded
        self.last_checkpoint = self.started
        self.last_eval: dict[str, Any] = {}
        self.window: dict[str, tuple[float, int]] = {}  # stat -> (sum, count) since the last log line
        self.health = HealthMonitor(trainer.config.objective.name)
        self.notes: list[str] = []
        self.stop_requested = False
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
            modes = t.data.modes if t.data.modes is not None and t.data.shape[0] == 2 else None
            points_snapshot(fake.numpy(), real, path, title=f"step {step}",
                            centers=None if modes is None else modes.centers,
                            names=None if modes is None else modes.names)
        elif len(t.data.shape) == 3:
            image_grid(fake, path, nrow=8)
            if not (self.run_dir / "real.png").exists():
                image_grid(t.data.sample(len(fake), torch.Generator().manual_seed(0)), self.run_dir / "real.png",
                           nrow=8)

    def checkpoint(self, name: str) -> Path:
        # The run state travels as JSON text: exact for floats, and plain data for the safe loader.
        path = save_checkpoint(self.run_dir / "checkpoints" / name, self.trainer.state_dict(),
                               self.trainer.config, {"run": json.dumps(self.state_dict())})
        self.last_checkpoint = _clock()
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
            record.update({k: result[k] for k in LOGGED_EVAL_KEYS if k in result})
            if result.get("wasserstein") is not None:
                record["w_exact"] = result["wasserstein"]
        if record is not None:
            record["time"] = round(self.elapsed(), 3)
            self.log.write(record)
            for warning in self.health.check(record):
                self.progress.message(f"warning: {warning}")
        if step % cfg.sample_every == 0 or last:
            self.snapshot()
        due = step % cfg.checkpoint_every == 0 or _clock() - self.last_checkpoint >= cfg.checkpoint_seconds
        if due and not last:  # by steps, and by time so that a kill loses at most checkpoint_seconds of work
            self.checkpoint(f"step_{step:07d}.pt")
        self.progress.update(step, {**stats, **(record or {})})
        if self.stop_requested:
            raise StopRequested


def adapt_to_data(config: Config, data: Any) -> tuple[Config, list[str]]:
    """Settings that depend on the loaded data; returns the config and a warning for each change.

    A finite data set smaller than one batch is trained with the batch clamped to its size.
    """
    values = getattr(data, "values", None)
    if values is not None and len(values) < config.train.batch_size:
        warning = (f"{config.data.name} holds {len(values)} samples, fewer than train.batch_size="
                   f"{config.train.batch_size}: training with batches of {len(values)}")
        return replace(config, train=replace(config.train, batch_size=len(values))), [warning]
    return config, []


def prepare(config: Config) -> tuple[Config, Any, list[str]]:
    """Resolve ``config``, load its data, fit the config to the data and check that the models build.

    Returns the config that will run, the data and the warnings; raises before anything is written.
    """
    from gandojo.data import load_data
    from gandojo.models import build_models

    config = resolve(config)
    data = load_data(config.data)
    config, warnings = adapt_to_data(config, data)
    build_models(config.model, tuple(data.shape))
    return config, data, warnings


def check_config(config: Config) -> tuple[Config, list[str]]:
    """The config that would run (``--dry-run``), with a line for each default chosen and each warning."""
    defaults = resolve_explained(config)[1]
    config, _, warnings = prepare(config)
    return config, [f"default: {line}" for line in defaults] + [f"warning: {w}" for w in warnings]


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


def find_resumable(run_dir: Path) -> tuple[dict[str, Any] | None, Path | None, list[str]]:
    """The newest checkpoint of ``run_dir`` that loads: (payload, path, notes on any skipped as corrupt).

    ``last-good.pt`` is the newest checkpoint written, so it comes right after ``final.pt``. A run
    folder with a config but no checkpoint yet (killed before its first one) gives ``(None, None, [])``.
    """
    folder = run_dir / "checkpoints"
    candidates = [folder / "final.pt", folder / "last-good.pt", *reversed(list_checkpoints(folder))]
    candidates = [c for c in candidates if c.is_file()]
    if not candidates:
        if (run_dir / "config.yaml").is_file():
            return None, None, []
        raise FileNotFoundError(f"{run_dir}: not a run folder (no config.yaml and no checkpoint in {folder})")
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


def _continued_config(saved: Config, requested: Config) -> Config:
    """The saved run's config with the requested budget; any other change is refused."""
    saved, requested = resolve(saved), resolve(requested)
    changed = [k for k in _config_differences(saved, requested) if k != "train.steps"]
    if changed:
        raise ValueError(f"--resume continues the saved run; only train.steps may change, not {', '.join(changed)}")
    return replace(saved, train=replace(saved.train, steps=requested.train.steps))


def train_run(config: Config, run_dir: str | Path, *, resume: bool = False, progress: bool = True,
              stream: TextIO | None = None, cache_dir: str | Path | None = None) -> dict[str, Any]:
    """Train from ``config`` into ``run_dir`` (or continue the run there when ``resume``).

    Returns the summary written to ``summary.json``; its ``new_steps`` counts the generator steps this
    call ran. On Ctrl-C the current step finishes, a checkpoint is written and :class:`StopRequested`
    (a ``KeyboardInterrupt``) is raised. On a NaN/inf loss or gradient no parameter or checkpoint is
    touched, ``failure.json`` records what happened and :class:`~gandojo.train.NonFiniteError` is
    raised. On resume only ``train.steps`` may differ from the saved config; a corrupt newest
    checkpoint is skipped (with a note) for an older good one, and a run killed before its first
    checkpoint starts again from step 0 with its saved config. Checkpoints are written every
    ``train.checkpoint_every`` steps and whenever ``train.checkpoint_seconds`` of training passed.

    ``cache_dir`` holds what image metrics cache (the digits classifier); default ``~/.cache/gandojo``.
    """
    run_dir = Path(run_dir)
    stream = stream or sys.stdout
    payload, source, notes = None, None, []
    if resume:
        payload, source, notes = find_resumable(run_dir)
        saved = checkpoint_config(payload) if payload is not None else load_yaml(run_dir / "config.yaml")
        config = _continued_config(saved, config)
    else:
        _check_run_dir(run_dir)
    config, data, warnings = prepare(config)
    trainer = Trainer(config, data)
    if payload is not None:
        trainer.load_state_dict(payload["trainer"])
        if trainer.g_step == config.train.steps:
            raise ValueError(f"{run_dir} finished at step {trainer.g_step}; pass --steps M (M > {trainer.g_step}) "
                             "to train further")
        if trainer.g_step > config.train.steps:
            raise ValueError(f"the checkpoint is at step {trainer.g_step}, past --steps {config.train.steps}")
    elif resume:
        notes.append(f"{run_dir} has no checkpoint yet (it stopped before its first one): starting it again "
                     "from step 0 with its saved config")
    for line in notes + warnings:
        print(f"warning: {line}", file=sys.stderr, flush=True)
    if payload is not None and progress:
        print(f"resuming {run_dir} from step {trainer.g_step} ({source.relative_to(run_dir)})", file=stream,
              flush=True)
    # Every check passed: only now write into the run folder.
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "checkpoints").mkdir(exist_ok=True)
    (run_dir / "samples").mkdir(exist_ok=True)
    save_yaml(config, run_dir / "config.yaml")
    if resume:
        _truncate_metrics(run_dir / "metrics.jsonl", trainer.g_step)
        (run_dir / "failure.json").unlink(missing_ok=True)
    _report_data(run_dir, trainer.data, stream if progress else None)
    log = MetricsLog(run_dir / "metrics.jsonl")
    display = ProgressDisplay(config.train.steps, trainer.g_step, stream=stream, enabled=progress)
    hooks = RunHooks(run_dir, trainer, log, display, cache_dir=cache_dir)
    if payload is not None and "run" in payload:
        hooks.load_state_dict(json.loads(payload["run"]))
    hooks.notes.extend(notes + warnings)
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


def _report_data(run_dir: Path, data: Any, stream: TextIO | None) -> None:
    """List unreadable input files in the run folder, and say what the loader did to the data."""
    skipped = getattr(data, "skipped", ())
    if skipped:
        (run_dir / "skipped_files.txt").write_text("".join(line + "\n" for line in skipped))
    if stream is not None:
        for note in getattr(data, "notes", ()):
            print(note, file=stream)
        if skipped:
            print(f"{len(skipped)} unreadable files skipped; listed in {run_dir / 'skipped_files.txt'}", file=stream)


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
        "new_steps": steps_run,
        "critic_steps": trainer.d_step,
        "seconds": round(elapsed, 2),
        "steps_per_second": round(steps_run / elapsed, 2) if elapsed > 0 else None,
        "evaluation": hooks.last_eval,
        "warnings": hooks.health.messages,
        "notes": hooks.notes,
    }
    (run_dir / "summary.json").write_text(json.dumps(json_safe(summary), indent=2))
    return summary


def _load_trainer(path: Path) -> tuple[Trainer, Path]:
    if not path.exists():
        raise FileNotFoundError(f"no run folder or checkpoint at {path}")
    if path.is_dir():
        payload, checkpoint, notes = find_resumable(path)
        if payload is None:
            raise FileNotFoundError(f"{path}: no checkpoint yet (the run stopped before its first one)")
        for note in notes:
            warnings.warn(note, stacklevel=3)
    else:
        payload, checkpoint = load_checkpoint(path), path
    trainer = Trainer(resolve(checkpoint_config(payload)))
    trainer.load_state_dict(payload["trainer"])
    return trainer, checkpoint


def load_trainer(path: str | Path) -> Trainer:
    """A trainer restored from a run folder (its newest checkpoint that loads) or a checkpoint file."""
    return _load_trainer(Path(path))[0]


@dataclass(frozen=True)
class LoadedGenerator:
    """A generator in eval mode with its config and data, and where it came from (``step`` is None for an
    export written before the step was recorded)."""

    generator: torch.nn.Module
    config: Config
    data: Any
    source: Path
    step: int | None


def open_generator(path: str | Path) -> LoadedGenerator:
    """The generator of a run folder (newest loadable checkpoint), a checkpoint, or an exported ``.safetensors``."""
    path = Path(path)
    if path.suffix == ".safetensors":
        from gandojo.data import load_data
        from gandojo.models import build_models

        tensors, config, step = load_exported(path)
        data = load_data(config.data)
        generator, _ = build_models(config.model, tuple(data.shape))
        generator.load_state_dict(tensors)
        return LoadedGenerator(generator.eval(), config, data, path, step)
    trainer, checkpoint = _load_trainer(path)
    return LoadedGenerator(trainer.generator.eval(), trainer.config, trainer.data, checkpoint, trainer.g_step)


def load_generator(path: str | Path) -> tuple[torch.nn.Module, Config, Any]:
    """(generator in eval mode, config, data set) from a run folder, checkpoint, or exported ``.safetensors``."""
    loaded = open_generator(path)
    return loaded.generator, loaded.config, loaded.data


def default_eval_samples(data: Any) -> int:
    """Samples a protocol scores: 26,000 for stacked digits (1,000 modes), 2,500 otherwise."""
    return 26000 if getattr(data, "protocol", None) == "stacked-digits" else 2500


def evaluate_run(path: str | Path, *, samples: int | None = None, seed: int | None = None,
                 cache_dir: str | Path | None = None, inception_weights: str | Path | None = None) -> dict[str, Any]:
    """Evaluate samples of a run folder, checkpoint or exported generator.

    ``samples`` defaults to the protocol's count (:func:`default_eval_samples`). ``seed`` None draws
    from the run's own evaluation streams (:mod:`gandojo.seeds`), so the result equals the final
    evaluation of training at the same sample count; an integer draws from that seed's streams. With
    ``inception_weights`` (a file), images also get standard FID (``fid``) against as many real images.
    ``scored`` says what was scored: the checkpoint or file, its step, the sample count and the seed.
    """
    from gandojo.models import generate

    if samples is not None and samples < 2:
        raise ValueError(f"--samples must be at least 2, got {samples}")
    if inception_weights is not None:
        from gandojo.metrics.inception import check_inception

        check_inception(inception_weights)  # fail before the work, not after
    loaded = open_generator(path)
    generator, config, data = loaded.generator, loaded.config, loaded.data
    if inception_weights is not None and len(data.shape) != 3:
        raise ValueError("--inception-weights applies to image data only")
    samples = samples or default_eval_samples(data)
    streams = stream_seeds(config.train.seed if seed is None else seed)
    fake = generate(generator, samples, config.model.latent_dim, config.model.noise,
                    torch.Generator().manual_seed(streams["eval_noise"]))
    result = make_evaluator(data, seed=streams["eval_real"], cache_dir=cache_dir)(fake)
    if inception_weights is not None:
        from gandojo.metrics.inception import inception_fid

        real = data.sample(samples, torch.Generator().manual_seed(streams["eval_real"]))
        result["fid"] = inception_fid(real, fake, inception_weights)
    result["scored"] = {"source": str(loaded.source), "step": loaded.step, "samples": samples,
                        "seed": seed, "streams_of_seed": config.train.seed if seed is None else seed}
    return result


def write_samples(source: str | Path, n: int, out: str | Path, *, seed: int = 0, nrow: int | None = None) -> Path:
    """Draw ``n`` samples from a run, checkpoint or exported generator and write them to ``out``.

    Points go to ``.npy`` or ``.csv`` (N, D). Images go to a ``.png`` grid (``nrow`` per row), to a
    folder of ``n`` single PNGs (``out`` without a suffix), or to ``.npy`` (N, C, H, W) in [-1, 1].
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
    if len(data.shape) == 3 and out.suffix.lower() == ".png":
        return image_grid(fake, out, nrow=nrow)
    if len(data.shape) == 3 and out.suffix == "":
        from gandojo.viz import save_images

        save_images(fake, out)
        return out
    if out.suffix == ".npy":
        np.save(out, fake.numpy())
    elif out.suffix == ".csv":
        np.savetxt(out, fake.reshape(n, -1).numpy(), delimiter=",", fmt="%.6g")
    elif len(data.shape) == 3:
        raise ValueError(f"{out}: expected a .png grid, a folder (a path without suffix) or a .npy file for images")
    else:
        raise ValueError(f"{out}: expected a .npy or .csv output file")
    return out
