"""One training run from start to end: check everything first, write only when the run really starts or
continues, train with the hooks, and stop cleanly on Ctrl-C, on a NaN, or at the end (final checkpoint,
figures, summary).

The flow is one way: the command line hands a config (or a run folder to resume) to :func:`train_run` /
:func:`resume_run`; the runner resolves it (:mod:`gandojo.config`), loads the data, builds the
:class:`~gandojo.train.Trainer` and calls :func:`~gandojo.train.fit` with :class:`~gandojo.runs.hooks.RunHooks`,
which log, evaluate (:mod:`gandojo.metrics`) and checkpoint (:mod:`gandojo.runs.checkpoint`).
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

from gandojo.config import Config, apply_overrides, load_yaml, resolve, resolve_explained, save_yaml, to_dict
from gandojo.data import load_data
from gandojo.data.base import Dataset
from gandojo.distributed import SINGLE, World, local_batch, meet, share_from_main
from gandojo.errors import NonFiniteError, StoppedByMainProcess
from gandojo.metrics.report import json_safe
from gandojo.models import build_models
from gandojo.runs.checkpoint import checkpoint_config
from gandojo.runs.folder import check_new_run_dir, find_resumable, report_data, truncate_metrics, write_summary
from gandojo.runs.hooks import RunHooks, StopAgreement, StopRequested, TimeLimitReached
from gandojo.runs.progress import MetricsLog, ProgressDisplay, read_metrics
from gandojo.runs.tensorboard import TensorBoardLog, require_tensorboard
from gandojo.train import Trainer, fit
from gandojo.viz.training import training_curves

# The budget, and TensorBoard logging (it changes no result); any other change starts a new run.
RESUMABLE_CHANGES = ("train.steps", "train.time_limit", "train.tensorboard")

__all__ = ["StopRequested", "adapt_to_data", "check_config", "prepare", "resume_run", "train_run"]


def adapt_to_data(config: Config, data: Dataset) -> tuple[Config, list[str]]:
    """Settings that depend on the loaded data; returns the config and a warning for each change.

    A finite data set smaller than one batch is trained with the batch clamped to its size.
    """
    values = data.values
    if values is not None and len(values) < config.train.batch_size:
        warning = (f"{config.data.name} holds {len(values)} samples, fewer than train.batch_size="
                   f"{config.train.batch_size}: training with batches of {len(values)}")
        return replace(config, train=replace(config.train, batch_size=len(values))), [warning]
    return config, []


def prepare(config: Config) -> tuple[Config, Dataset, list[str]]:
    """Resolve ``config``, load its data, fit the config to the data and check that the models build.

    Returns the config that will run, the data and the warnings; raises before anything is written.
    """
    config = resolve(config)
    if config.train.tensorboard:
        require_tensorboard()
    data = load_data(config.data)
    config, warnings = adapt_to_data(config, data)
    build_models(config.model, tuple(data.shape))
    return config, data, warnings


def check_config(config: Config) -> tuple[Config, list[str]]:
    """The config that would run (``--dry-run``), with a line for each default chosen and each warning."""
    defaults = resolve_explained(config)[1]
    config, _, warnings = prepare(config)
    return config, [f"default: {line}" for line in defaults] + [f"warning: {w}" for w in warnings]


@contextlib.contextmanager
def graceful_interrupt(hooks: RunHooks):
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


def _config_differences(a: Config, b: Config) -> list[str]:
    flat_a, flat_b = to_dict(a), to_dict(b)
    return [f"{section}.{key}" for section in flat_a for key in flat_a[section]
            if flat_a[section][key] != flat_b[section][key]]


def _continued_config(saved: Config, requested: Config) -> Config:
    """The saved run's config with the requested budget; any other change is refused."""
    saved, requested = resolve(saved), resolve(requested)
    changed = [k for k in _config_differences(saved, requested) if k not in RESUMABLE_CHANGES]
    if changed:
        raise ValueError(f"--resume continues the saved run; only the budget and logging "
                         f"({', '.join(RESUMABLE_CHANGES)}) may "
                         f"change, not {', '.join(changed)}")
    return replace(saved, train=replace(saved.train, steps=requested.train.steps,
                                        time_limit=requested.train.time_limit,
                                        tensorboard=requested.train.tensorboard))


def _saved_config(run_dir: Path, payload: dict[str, Any] | None) -> Config:
    """The config a run was saved with: its newest checkpoint's, or its config.yaml before the first one."""
    return checkpoint_config(payload) if payload is not None else load_yaml(run_dir / "config.yaml")


def resume_run(run_dir: str | Path, *, steps: int | None = None, overrides: list[str] | tuple[str, ...] = (),
               progress: bool = True, stream: TextIO | None = None, cache_dir: str | Path | None = None,
               world: World = SINGLE) -> dict[str, Any] | None:
    """Continue the run in ``run_dir`` from its newest loadable checkpoint, to ``steps`` generator steps
    (default: the saved budget). ``overrides`` (``section.key=value``) may only restate the saved config or
    change ``train.steps``. See :func:`train_run` for what happens on the way.
    """
    if not world.is_main:
        return _follow(world)
    with _tell_followers_on_error(world):
        run_dir = Path(run_dir)
        found = find_resumable(run_dir)
        saved = _saved_config(run_dir, found[0])
        requested = apply_overrides(saved, [*overrides, *([f"train.steps={steps}"] if steps is not None else [])])
        config = _continued_config(saved, requested)
    return _train(config, run_dir, found, progress, stream, cache_dir, world)


def train_run(config: Config, run_dir: str | Path, *, resume: bool = False, progress: bool = True,
              stream: TextIO | None = None, cache_dir: str | Path | None = None,
              world: World = SINGLE) -> dict[str, Any] | None:
    """Train from ``config`` into ``run_dir`` (or continue the run there when ``resume``).

    Returns the summary written to ``summary.json``; its ``new_steps`` counts the generator steps this
    call ran. On Ctrl-C the current step finishes, a checkpoint is written and :class:`StopRequested`
    (a ``KeyboardInterrupt``) is raised. On a NaN/inf loss or gradient no parameter or checkpoint is
    touched, ``failure.json`` records what happened and :class:`~gandojo.train.NonFiniteError` is
    raised. With ``train.time_limit`` the run stops cleanly once that much training time has passed
    (evaluation, snapshot, final checkpoint, summary with status ``"time limit"``; ``--resume`` with a
    larger limit continues it). On resume only the budget (``train.steps``, ``train.time_limit``) may
    differ from the saved config; a corrupt newest checkpoint is skipped (with a note) for an older good
    one, and a run killed before its first checkpoint starts again from step 0 with its saved config.
    Checkpoints are written every ``train.checkpoint_every`` steps and whenever
    ``train.checkpoint_seconds`` of training passed.

    ``cache_dir`` holds what image metrics cache (the digits classifier); default ``~/.cache/gandojo``.

    Under torchrun pass this process's ``world`` (:mod:`gandojo.distributed`, process group started): rank 0
    does all of the above and returns the summary; the other ranks train their share of every batch, touch no
    file, and return None.
    """
    if not world.is_main:
        return _follow(world)
    with _tell_followers_on_error(world):
        run_dir = Path(run_dir)
        if not resume:
            check_new_run_dir(run_dir)
            found = None
        else:
            found = find_resumable(run_dir)
            config = _continued_config(_saved_config(run_dir, found[0]), config)
    return _train(config, run_dir, found, progress, stream, cache_dir, world)


@contextlib.contextmanager
def _tell_followers_on_error(world: World):
    """Rank 0, before training starts: an error stops the other ranks too (they wait for the start). The ranks
    meet once more after the message, so that none leaves while another is still on its way out."""
    try:
        yield
    except BaseException as err:
        share_from_main(world, ("stop", f"{type(err).__name__}: {err}"))
        meet(world)
        raise


def _follow(world: World) -> None:
    """A rank other than 0: take the config and state rank 0 sends, train this rank's share, write nothing."""
    message = share_from_main(world)
    if message[0] == "stop":
        meet(world)  # rank 0 meets here too (see _tell_followers_on_error)
        raise StoppedByMainProcess(message[1])
    _, config, state = message
    trainer = Trainer(config, load_data(config.data), world=world)
    if state is not None:
        trainer.load_state_dict(state)
    agreement = StopAgreement(world)
    with graceful_interrupt(agreement):
        try:
            # diagnostics at the same steps as rank 0: with SyncBatchNorm their forward pass is a collective
            fit(trainer, config.train.steps, [agreement], diagnostics_every=config.train.eval_every)
        except (TimeLimitReached, NonFiniteError):
            pass  # every rank stopped at the same step; rank 0 writes the report and exits with the error's code
    return None


def _train(config: Config, run_dir: Path, found: tuple[dict[str, Any] | None, Path | None, list[str]] | None,
           progress: bool, stream: TextIO | None, cache_dir: str | Path | None,
           world: World = SINGLE) -> dict[str, Any]:
    """Train a new run (``found`` None) or continue one from ``found`` (:func:`find_resumable`'s answer)."""
    stream = stream or sys.stdout
    resume = found is not None
    payload, source, notes = found if resume else (None, None, [])
    notes = list(notes)
    with _tell_followers_on_error(world):
        config, data, warnings = prepare(config)
        local_batch(config.train.batch_size, world, config.objective.pack)  # Trainer checks it too, after the start
        if payload is not None:
            saved_step = int(payload["trainer"]["g_step"])
            if saved_step == config.train.steps:
                raise ValueError(f"{run_dir} finished at step {saved_step}; pass --steps M (M > {saved_step}) "
                                 "to train further")
            if saved_step > config.train.steps:
                raise ValueError(f"the checkpoint is at step {saved_step}, past --steps {config.train.steps}")
    share_from_main(world, ("start", config, None if payload is None else payload["trainer"]))
    trainer = Trainer(config, data, world=world)
    if payload is not None:
        trainer.load_state_dict(payload["trainer"])
    elif resume:
        notes.append(f"{run_dir} has no checkpoint yet (it stopped before its first one): starting it again "
                     "from step 0 with its saved config")
    for line in notes + warnings:
        print(f"warning: {line}", file=sys.stderr, flush=True)
    if payload is not None and progress:
        print(f"resuming {run_dir} from step {trainer.g_step} ({source.relative_to(run_dir)})", file=stream,
              flush=True)
    if world.distributed and progress:
        print(f"data-parallel: {world.world_size} processes, global batch {config.train.batch_size} = "
              f"{world.world_size} x {trainer.local_batch} per process", file=stream, flush=True)
    # Every check passed: only now write into the run folder.
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "checkpoints").mkdir(exist_ok=True)
    (run_dir / "samples").mkdir(exist_ok=True)
    save_yaml(config, run_dir / "config.yaml")
    if resume:
        truncate_metrics(run_dir / "metrics.jsonl", trainer.g_step)
        (run_dir / "failure.json").unlink(missing_ok=True)
    report_data(run_dir, trainer.data, stream if progress else None)
    log = MetricsLog(run_dir / "metrics.jsonl")
    display = ProgressDisplay(config.train.steps, trainer.g_step, stream=stream, enabled=progress)
    tensorboard = TensorBoardLog(run_dir, trainer.g_step) if config.train.tensorboard else None
    hooks = RunHooks(run_dir, trainer, log, display, cache_dir=cache_dir, tensorboard=tensorboard)
    if payload is not None and "run" in payload:
        hooks.load_state_dict(json.loads(payload["run"]))
    hooks.notes.extend(notes + warnings)
    started = time.perf_counter()
    start_step = trainer.g_step
    status = "finished"
    try:
        with graceful_interrupt(hooks):
            fit(trainer, config.train.steps, [hooks if not world.distributed else StopAgreement(world, hooks)],
                diagnostics_every=config.train.eval_every)
    except StopRequested:
        status = "interrupted"
        hooks.checkpoint(f"step_{trainer.g_step:07d}.pt")
        raise
    except KeyboardInterrupt:
        status = "interrupted"  # a second Ctrl-C mid-step: the state is not at a step boundary, keep older ones
        raise
    except TimeLimitReached:
        status = "time limit"  # stopped cleanly: evaluated, and checkpointed below like a finished run
    except NonFiniteError as err:
        status = "failed"
        (run_dir / "failure.json").write_text(json.dumps(json_safe(
            {"step": err.step, "what": err.what, "last_stats": err.stats,
             "hint": "lower optim.lr, or resume from the last checkpoint with --resume"}), indent=2))
        raise
    finally:
        display.close()
        log.close()
        if tensorboard is not None:
            tensorboard.close()
        if status not in ("finished", "time limit"):
            write_summary(run_dir, _summary(trainer, status, started, start_step, hooks))
            _write_report(run_dir)
    hooks.checkpoint("final.pt")
    training_curves(read_metrics(run_dir / "metrics.jsonl"), run_dir / "losses.png",
                    title=f"{config.objective.name} on {config.data.name}")
    summary = write_summary(run_dir, _summary(trainer, status, started, start_step, hooks))
    _write_report(run_dir)
    return summary


def _write_report(run_dir: Path) -> None:
    """report.html at the end of a run, also after Ctrl-C or a failure; a report that cannot be written is a
    warning, never the reason a run fails or loses its exit code."""
    from gandojo.report import run_report

    try:
        run_report(run_dir)
    except Exception as err:  # noqa: BLE001 - the run's own outcome matters more than its page
        print(f"warning: report.html not written: {err}", file=sys.stderr, flush=True)


def _summary(trainer: Trainer, status: str, started: float, start_step: int, hooks: RunHooks) -> dict[str, Any]:
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
        "processes": trainer.world.world_size,
        "seconds": round(elapsed, 2),
        "steps_per_second": round(steps_run / elapsed, 2) if elapsed > 0 else None,
        "evaluation": hooks.last_eval,
        "warnings": hooks.health.messages,
        "notes": hooks.notes,
    }
    return summary
