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
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import torch

from gandojo.atomic import make_folder
from gandojo.config import (
    Config,
    apply_overrides,
    load_yaml,
    resolve,
    resolve_explained,
    save_yaml,
    steps_for_clusters,
    steps_for_images,
    stop_for_benchmark,
    to_dict,
)
from gandojo.data import load_data
from gandojo.data.base import Dataset
from gandojo.data.clusters import CLUSTER_SAMPLES, count_clusters
from gandojo.distributed import SINGLE, World, local_batch, meet, share_from_main
from gandojo.errors import (
    NON_FINITE_HINT,
    NonFiniteError,
    RunWriteError,
    SignalStop,
    StoppedByMainProcess,
    StopRequested,
    WriteError,
)
from gandojo.i18n import _, speaking
from gandojo.models import build_models
from gandojo.runs.checkpoint import checkpoint_config
from gandojo.runs.folder import (
    FolderLock,
    check_new_run_dir,
    find_resumable,
    report_data,
    truncate_metrics,
    write_failure,
    write_summary,
)
from gandojo.runs.hooks import RunHooks, StopAgreement, TargetReached, TimeLimitReached
from gandojo.runs.progress import MetricsLog, ProgressDisplay, read_metrics
from gandojo.runs.tensorboard import TensorBoardLog, require_tensorboard
from gandojo.train import Trainer, fit
from gandojo.viz.training import training_curves

# The budget, and TensorBoard logging (it changes no result); any other change starts a new run.
RESUMABLE_CHANGES = ("train.steps", "train.time_limit", "train.stop_when", "train.tensorboard")

__all__ = ["StopRequested", "adapt_to_data", "check_config", "prepare", "resume_run", "train_run"]


def adapt_to_data(config: Config, data: Dataset) -> tuple[Config, list[str]]:
    """Settings that depend on the loaded data; returns the config and a warning for each change.

    A finite data set smaller than one batch is trained with the batch clamped to its size.
    """
    values = data.values
    if values is not None and len(values) < config.train.batch_size:
        warning = _("{data} holds {n} samples, fewer than train.batch_size={batch}: training with batches of "
                    "{n}").format(data=config.data.name, n=len(values), batch=config.train.batch_size)
        return replace(config, train=replace(config.train, batch_size=len(values))), [warning]
    return config, []


def chosen_from_data(config: Config, data: Dataset) -> tuple[Config, list[str]]:
    """Defaults the loaded data decides, and a line for each saying which value and why (``--dry-run``).

    ``train.steps`` left None is chosen from the clusters the data shows (the best recipe for points:
    :func:`gandojo.data.clusters.count_clusters` on its points, or on 20,000 drawn from a distribution) or, for
    images, from the data's benchmark (:func:`~gandojo.config.defaults.steps_for_images`);
    ``train.stop_when`` left None (the best recipe for images) is the target of the data's benchmark.
    """
    chosen: list[str] = []
    if config.train.steps is None and data.kind == "images":
        steps, why = steps_for_images(data.benchmark)
        config = replace(config, train=replace(config.train, steps=steps))
        chosen.append(f"train.steps = {steps}: {why}")
    if config.train.steps is None:
        points = None
        if data.kind == "points":
            points = data.values if data.values is not None else data.sample(CLUSTER_SAMPLES,
                                                                               torch.Generator().manual_seed(0))
        steps, why = steps_for_clusters(None if points is None else count_clusters(points.numpy()))
        config = replace(config, train=replace(config.train, steps=steps))
        chosen.append(f"train.steps = {steps}: {why}")
    if config.train.stop_when is None:
        conditions, why = stop_for_benchmark(data.benchmark)
        config = replace(config, train=replace(config.train, stop_when=conditions))
        chosen.append(f"train.stop_when = {', '.join(conditions) or '[]'}: {why}")
    return config, chosen


def prepare(config: Config, *, explain: list[str] | None = None) -> tuple[Config, Dataset, list[str]]:
    """Resolve ``config``, load its data, fit the config to the data and check that the models build.

    Returns the config that will run, the data and the warnings; raises before anything is written. The
    defaults the data decides (:func:`chosen_from_data`) are said in ``explain`` when it is given.
    """
    config = resolve(config)
    if config.train.tensorboard:
        require_tensorboard()
    data = load_data(config.data)
    if config.objective.augment != "none" and data.kind != "images":
        raise ValueError(_("objective.augment={policy} transforms images, and {data} is points: leave it at "
                           "none").format(policy=config.objective.augment, data=config.data.name))
    config, chosen = chosen_from_data(config, data)
    if explain is not None:
        explain.extend(chosen)
    config, warnings = adapt_to_data(config, data)
    build_models(config.model, tuple(data.shape))
    return config, data, warnings


def check_config(config: Config) -> tuple[Config, list[str]]:
    """The config that would run (``--dry-run``), with a line for each default chosen and each warning."""
    defaults = resolve_explained(config)[1]
    config, _data, warnings = prepare(config, explain=defaults)
    return config, [_("default: {line}").format(line=line) for line in defaults] + [
        _("warning: {message}").format(message=w) for w in warnings]


# The signals that stop a run cleanly: Ctrl-C; what Slurm, docker, Kubernetes, systemd and torchrun send; a
# closed terminal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def graceful_stop(target):
    """The first stop signal sets ``target.stop_requested`` to its number: the run finishes the step, checkpoints
    and stops. A second one raises :class:`~gandojo.errors.SignalStop` at once. A signal the process was told to
    ignore (SIGHUP under nohup, SIGINT in a background job) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        if target.stop_requested is not None:
            raise SignalStop(signum)
        target.stop_requested = signum

    previous = {}
    for number in STOP_SIGNALS:
        if signal.getsignal(number) is not signal.SIG_IGN:
            previous[number] = signal.signal(number, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


def stopped_status(signum: int) -> str:
    """``summary.json``'s status of a run stopped by a signal: ``interrupted`` (Ctrl-C) or ``terminated``."""
    return "interrupted" if signum == signal.SIGINT else "terminated"


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
    keys = [key.removeprefix("train.") for key in RESUMABLE_CHANGES]  # every one a train key
    return replace(saved, train=replace(saved.train, **{key: getattr(requested.train, key) for key in keys}))


def _saved_config(run_dir: Path, payload: dict[str, Any] | None) -> Config:
    """The config a run was saved with: its newest checkpoint's, or its config.yaml before the first one."""
    return checkpoint_config(payload) if payload is not None else load_yaml(run_dir / "config.yaml")


# What the caller has written once a run ended (finished, stopped or failed): the command line passes
# gandojo.report.run_report, so every run folder it leaves has its report.html.
Closing = Callable[[Path], object]


def resume_run(run_dir: str | Path, *, steps: int | None = None, overrides: list[str] | tuple[str, ...] = (),
               progress: bool = True, stream: TextIO | None = None, cache_dir: str | Path | None = None,
               world: World = SINGLE, report: Closing | None = None) -> dict[str, Any] | None:
    """Continue the run in ``run_dir`` from its newest loadable checkpoint, to ``steps`` generator steps
    (default: the saved budget). ``overrides`` (``section.key=value``) may only restate the saved config or
    change ``train.steps``. See :func:`train_run` for what happens on the way.
    """
    if not world.is_main:
        return _follow(world)
    run_dir = Path(run_dir)
    with _tell_followers_on_error(world):
        if not run_dir.is_dir():
            raise FileNotFoundError(f"no run folder at {run_dir}")
        lock = FolderLock(run_dir)  # before reading: the checkpoints must not change under us
    try:
        with _tell_followers_on_error(world):
            found = find_resumable(run_dir)
            saved = _saved_config(run_dir, found[0])
            requested = apply_overrides(saved, [*overrides, *([f"train.steps={steps}"] if steps is not None else [])])
            config = _continued_config(saved, requested)
        return _train(config, run_dir, found, progress, stream, cache_dir, world, lock, report)
    finally:
        lock.release()


def train_run(config: Config, run_dir: str | Path, *, progress: bool = True, stream: TextIO | None = None,
              cache_dir: str | Path | None = None, world: World = SINGLE,
              report: Closing | None = None) -> dict[str, Any] | None:
    """Train from ``config`` into a new run folder ``run_dir``.

    Returns the summary written to ``summary.json``; its ``new_steps`` counts the generator steps this
    call ran. The folder is created only once every check passed, and this process holds its lock
    (:class:`~gandojo.runs.folder.FolderLock`) until it returns: a second writer is refused.

    Stopping: on the first Ctrl-C, SIGTERM or SIGHUP the current step finishes, a checkpoint is written, the
    summary says ``interrupted`` (Ctrl-C) or ``terminated`` and :class:`~gandojo.errors.StopRequested` (a
    ``KeyboardInterrupt`` carrying the signal) is raised; a second signal stops at once, without a checkpoint of
    the unfinished step. On a NaN/inf loss or gradient no parameter or checkpoint is touched, ``failure.json``
    records what happened and :class:`~gandojo.errors.NonFiniteError` is raised. A file that cannot be written
    (a full disk, a read-only folder) stops the run the same clean way with a
    :class:`~gandojo.errors.RunWriteError` naming the file and the last good checkpoint; a snapshot, figure or
    report that cannot be written is only a warning. With ``train.time_limit`` the run stops cleanly once that
    much training time has passed (evaluation, snapshot, final checkpoint, summary with status
    ``"time limit"``; ``--resume`` with a larger limit continues it). Checkpoints are written every
    ``train.checkpoint_every`` steps and whenever ``train.checkpoint_seconds`` of training passed.

    ``cache_dir`` holds what image metrics cache (the digits classifier); default ``~/.cache/gandojo``.
    ``report(run_dir)`` is called once the run ended, however it ended, after ``summary.json`` is written (the
    command line passes :func:`gandojo.report.run_report`); a report that fails is a warning.

    Under torchrun pass this process's ``world`` (:mod:`gandojo.distributed`, process group started): rank 0
    does all of the above and returns the summary; the other ranks train their share of every batch, touch no
    file, and return None.
    """
    if not world.is_main:
        return _follow(world)
    run_dir = Path(run_dir)
    with _tell_followers_on_error(world):
        check_new_run_dir(run_dir)
    return _train(config, run_dir, None, progress, stream, cache_dir, world, None, report)


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
    _kind, config, state = message
    trainer = Trainer(config, load_data(config.data), world=world)
    if state is not None:
        trainer.load_state_dict(state)
    agreement = StopAgreement(world)
    with graceful_stop(agreement):
        try:
            # diagnostics at the same steps as rank 0: with SyncBatchNorm their forward pass is a collective
            fit(trainer, config.train.steps, [agreement], diagnostics_every=config.train.eval_every)
        except (TimeLimitReached, NonFiniteError):
            pass  # every rank stopped at the same step; rank 0 writes the report and exits with the error's code
    return None


def _train(config: Config, run_dir: Path, found: tuple[dict[str, Any] | None, Path | None, list[str]] | None,
           progress: bool, stream: TextIO | None, cache_dir: str | Path | None, world: World,
           lock: FolderLock | None, report: Closing | None) -> dict[str, Any]:
    """Train a new run (``found`` None; ``lock`` None: the folder is created and locked here once every check
    passed) or continue one from ``found`` (:func:`find_resumable`'s answer; ``lock`` held by the caller)."""
    stream = stream or sys.stdout
    resume = found is not None
    payload, source, notes = found if resume else (None, None, [])
    notes = list(notes)
    saved_step = None if payload is None else int(payload["trainer"]["g_step"])
    with _tell_followers_on_error(world):
        config, data, warnings = prepare(config)
        local_batch(config.train.batch_size, world, config.objective.pack)  # Trainer checks it too, after the start
        if saved_step is not None and saved_step == config.train.steps:
            raise ValueError(f"{run_dir} finished at step {saved_step}; pass --steps M (M > {saved_step}) "
                             "to train further")
        if saved_step is not None and saved_step > config.train.steps:
            raise ValueError(f"the checkpoint is at step {saved_step}, past --steps {config.train.steps}")
        new_folder = lock is None and not run_dir.exists()
        if lock is None:
            make_folder(run_dir)
            try:
                lock = FolderLock(run_dir)
            except WriteError:
                if new_folder:
                    shutil.rmtree(run_dir, ignore_errors=True)
                raise
    try:  # the lock is released when this function ends, however it ends (the caller's too: releasing is idempotent)
        with _tell_followers_on_error(world):
            try:
                if not resume:
                    check_new_run_dir(run_dir)  # another writer may have started it since the first check
                log = _start_writing(run_dir, config, data, saved_step, resume, stream if progress else None)
            except BaseException as err:
                if new_folder:  # nothing of a run yet: leave no folder behind
                    shutil.rmtree(run_dir, ignore_errors=True)
                if isinstance(err, WriteError) and not new_folder:
                    raise RunWriteError(err, run_dir, saved_step, recorded=False) from None
                raise
        share_from_main(world, ("start", config, None if payload is None else payload["trainer"]))
        trainer = Trainer(config, data, world=world)
        if payload is not None:
            trainer.load_state_dict(payload["trainer"])
        elif resume:
            notes.append(_("{run} has no checkpoint yet (it stopped before its first one): starting it again "
                           "from step 0 with its saved config").format(run=run_dir))
        for line in notes + warnings:
            print(_("warning: {message}").format(message=line), file=sys.stderr, flush=True)
        if payload is not None and progress:
            print(_("resuming {run} from step {step} ({checkpoint})").format(
                run=run_dir, step=trainer.g_step, checkpoint=source.relative_to(run_dir)), file=stream, flush=True)
        if world.distributed and progress:
            print(_("data-parallel: {n} processes, global batch {batch} = {n} x {local} per process").format(
                n=world.world_size, batch=config.train.batch_size, local=trainer.local_batch), file=stream,
                flush=True)
        display = ProgressDisplay(config.train.steps, trainer.g_step, stream=stream, enabled=progress)
        tensorboard = TensorBoardLog(run_dir, trainer.g_step) if config.train.tensorboard else None
        hooks = RunHooks(run_dir, trainer, log, display, cache_dir=cache_dir, tensorboard=tensorboard)
        hooks.saved_step = saved_step
        if payload is not None and "run" in payload:
            hooks.load_state_dict(json.loads(payload["run"]))
        hooks.notes.extend(notes + warnings)
        with graceful_stop(hooks):  # also over the closing writes: a second signal there stops them at once
            return _fit_and_close(trainer, hooks, run_dir, world, report)
    finally:
        lock.release()


def _start_writing(run_dir: Path, config: Config, data: Dataset, saved_step: int | None, resume: bool,
                   stream: TextIO | None) -> MetricsLog:
    """The run folder's first writes, once every check passed: its folders, config, log (cut back to the
    checkpoint on resume) and the loader's notes. Returns the open log."""
    make_folder(run_dir / "checkpoints")
    make_folder(run_dir / "samples")
    save_yaml(config, run_dir / "config.yaml")
    if resume:
        truncate_metrics(run_dir / "metrics.jsonl", saved_step or 0)
        (run_dir / "failure.json").unlink(missing_ok=True)
    report_data(run_dir, data, stream)
    return MetricsLog(run_dir / "metrics.jsonl")


def _fit_and_close(trainer: Trainer, hooks: RunHooks, run_dir: Path, world: World,
                   report: Closing | None) -> dict[str, Any]:
    """Train to the budget, then close the run whatever stopped it: the final or stopping checkpoint, the
    curves, ``summary.json`` (and ``failure.json``), the report; re-raise what stopped it, if anything."""
    config = trainer.config
    started, start_step = time.perf_counter(), trainer.g_step
    status, error, failure = "finished", None, None
    try:
        fit(trainer, config.train.steps, [hooks if not world.distributed else StopAgreement(world, hooks)],
            diagnostics_every=config.train.eval_every)
    except TargetReached:
        status = "target reached"  # every train.stop_when condition held: stopped cleanly like the time limit
    except TimeLimitReached:
        status = "time limit"  # stopped cleanly: evaluated, and checkpointed below like a finished run
    except StopRequested as stop:  # the first signal, honoured at a step boundary: checkpoint that step
        status, error = stopped_status(stop.signum), stop
    except KeyboardInterrupt as stop:  # a second signal mid-step: the state is not at a step boundary
        error = stop if isinstance(stop, SignalStop) else SignalStop(signal.SIGINT)
        status = stopped_status(error.signum)
    except NonFiniteError as err:
        status, error = "failed", err
        failure = {"kind": "non_finite", "step": err.step, "what": err.what, "last_stats": err.stats,
                   "hint": NON_FINITE_HINT}
    except WriteError as err:
        status, error = "failed", err
    finally:
        hooks.progress.close()
        hooks.log.close()
        if hooks.tensorboard is not None:
            hooks.tensorboard.close()
    try:
        if error is None:
            hooks.checkpoint("final.pt")
        elif isinstance(error, StopRequested):
            hooks.checkpoint(f"step_{trainer.g_step:07d}.pt")
    except WriteError as err:
        status, error = "failed", err
    if isinstance(error, WriteError):
        with speaking("en"):  # failure.json is for programs as much as for people: one language
            failure = {"kind": "write", "step": trainer.g_step, "what": f"writing {error.path}",
                       "path": str(error.path), "errno": error.errno, "reason": error.reason,
                       "bytes": error.size, "last_good_step": hooks.saved_step,
                       "hint": _("{fix}, then gandojo train --resume {run}").format(fix=error.fix, run=run_dir)}
    if error is None:
        try:
            training_curves(read_metrics(run_dir / "metrics.jsonl"), run_dir / "losses.png",
                            title=f"{config.objective.name} on {config.data.name}")
        except WriteError as err:
            print(_("warning: losses.png not written: {error}").format(error=err), file=sys.stderr, flush=True)
    summary = _summary(trainer, status, started, start_step, hooks, error)
    recorded = _record(run_dir, summary, failure)
    if report is not None:
        _write_report(report, run_dir)
    if isinstance(error, WriteError):
        raise RunWriteError(error, run_dir, hooks.saved_step, recorded) from None
    if isinstance(error, SignalStop):
        error.saved_step = hooks.saved_step
    if error is not None:
        raise error
    return summary


def _record(run_dir: Path, summary: dict[str, Any], failure: dict[str, Any] | None) -> bool:
    """Write ``summary.json`` and ``failure.json`` (if any); False when the disk refused either."""
    try:
        if failure is not None:
            write_failure(run_dir, failure)
        write_summary(run_dir, summary)
    except WriteError as err:
        print(_("warning: {message}").format(message=err), file=sys.stderr, flush=True)
        return False
    return True


def _write_report(report: Closing, run_dir: Path) -> None:
    """The caller's report at the end of a run, also after a signal or a failure; a report that cannot be written
    is a warning, never the reason a run fails or loses its exit code."""
    try:
        report(run_dir)
    except Exception as err:  # noqa: BLE001 - the run's own outcome matters more than its page
        print(_("warning: report.html not written: {error}").format(error=err), file=sys.stderr, flush=True)


def _summary(trainer: Trainer, status: str, started: float, start_step: int, hooks: RunHooks,
             error: BaseException | None = None) -> dict[str, Any]:
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
        "warning_records": hooks.health.records,
        "notes": hooks.notes,
    }
    if isinstance(error, SignalStop):
        summary["signal"] = error.name
    return summary
