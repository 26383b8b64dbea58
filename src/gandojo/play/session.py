"""One play session: the project's own :class:`~gandojo.train.Trainer` (one, or two side by side on the same data,
seed and step clock), stepped phase by phase on a worker thread, with the page's controls applied between steps
and a frame offered after every few steps.

What the page may change, and how:

- **live** (:data:`LIVE_KEYS`, no reset): the learning rates, the optimizer and its betas, critic steps per
  generator step, λ, the clip value, R1/R2, the moving average's decay. A new rate or new betas keep the
  optimizer's state (its moment estimates); a new optimizer starts with an empty state. Each change is recorded
  with its step and saved in the run's summary.
- **with a reset** (:data:`RESET_KEYS`): the objective, network sizes, latent dimension, noise, seed, batch,
  packing, minibatch std, spectral norm; the data (a bundled name, a drawing, an uploaded file) too.

Every value goes through the same config schema as the command line, within :data:`LIMITS`; a refused one changes
nothing. Nothing is written outside the session's ``out`` folder: drawings and uploads are kept in ``out/drawings``
and ``out/uploads``, runs are saved as ``out/NAME``.
"""

from __future__ import annotations

import contextlib
import copy
import json
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from gandojo.atomic import atomic_write, make_folder
from gandojo.catalogue import DATA
from gandojo.config import Config, apply_overrides, load_preset, resolve, save_yaml, to_dict, with_objective
from gandojo.config.schema import complaint
from gandojo.data import Dataset
from gandojo.errors import NonFiniteError
from gandojo.health import HealthMonitor
from gandojo.i18n import N_, _
from gandojo.metrics.report import json_safe
from gandojo.play import frames
from gandojo.report import run_report
from gandojo.runs.folder import FolderLock, check_new_run_dir, write_summary
from gandojo.runs.hooks import LOGGED_EVAL_KEYS, RunHooks
from gandojo.runs.progress import MetricsLog, ProgressDisplay, read_metrics
from gandojo.runs.runner import prepare
from gandojo.train import Trainer, build_optimizer
from gandojo.viz.training import training_curves

__all__ = ["LIMITS", "LIVE_KEYS", "PRESETS", "RESET_KEYS", "Lane", "PlaySession", "UseFile", "parse_command",
           "check_playable", "save_run"]

# Settings the page changes while training runs, and those that start the lane again.
LIVE_KEYS = ("optim.lr", "optim.lr_d", "optim.name", "optim.betas", "optim.momentum", "objective.n_critic",
             "objective.gp_lambda", "objective.clip", "objective.r1", "objective.r2", "train.ema")
RESET_KEYS = ("objective.name", "model.hidden", "model.depth", "model.latent_dim", "model.noise", "train.seed",
              "train.batch_size", "objective.pack", "model.minibatch_std", "model.spectral_norm")
# Upper bounds beyond the schema's: the page starts computation on the user's machine.
LIMITS = {"model.hidden": 1024, "model.depth": 8, "model.latent_dim": 16, "train.batch_size": 4096,
          "objective.pack": 8, "objective.n_critic": 100}
MAX_DRAWN_POINTS = 5000
PHASE_SECONDS = 0.7  # slow motion: how long each phase of a step stays on the page

# Two configurations side by side, one click away: the seed's comparison.
PRESETS = {
    "collapse-vs-wgan-gp": (N_("The original GAN with a fast D (the collapse preset) beside WGAN-GP, on ring8"),
                            ["collapse", "ring8-wgan-gp"]),
    "gan-vs-wgan-gp": (N_("The original GAN beside WGAN-GP on the dog / cat / bird data"),
                       ["three-mode-gan", "ring8-wgan-gp"]),
}


# --- the page's messages -------------------------------------------------------------------------

class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Simple(_Message):
    type: Literal["play", "pause", "step", "d_only", "g_only", "reset", "hello"]


class SlowMotion(_Message):
    type: Literal["slow_motion"]
    on: bool


class StepsPerFrame(_Message):
    type: Literal["steps_per_frame"]
    value: Annotated[int, Field(ge=1, le=500)]


Value = Annotated[float | int | bool | str | list[Annotated[float, Field(allow_inf_nan=False)]],
                  Field(union_mode="left_to_right")]


class SetValues(_Message):
    type: Literal["set"]
    lane: Annotated[int, Field(ge=0, le=1)] = 0
    changes: Annotated[dict[Annotated[str, Field(max_length=40)], Value], Field(min_length=1, max_length=20)]


class UseData(_Message):
    type: Literal["data"]
    name: Annotated[str, Field(max_length=40)]


class Draw(_Message):
    type: Literal["draw"]
    points: Annotated[list[Annotated[list[Annotated[float, Field(allow_inf_nan=False)]],
                                     Field(min_length=1, max_length=2)]],
                      Field(min_length=8, max_length=MAX_DRAWN_POINTS)]


class SideBySide(_Message):
    type: Literal["side_by_side"]
    preset: Annotated[str, Field(max_length=40)] | None = None  # None: one lane again


class Save(_Message):
    type: Literal["save"]
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]


class UseFile(_Message):
    """Train on a file the server itself put in ``out`` (an upload it checked); never sent by the page."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    type: Literal["file"] = "file"
    path: Path


Command = Annotated[Simple | SlowMotion | StepsPerFrame | SetValues | UseData | Draw | SideBySide | Save,
                    Field(discriminator="type")]
_COMMAND = TypeAdapter(Command)


def parse_command(text: str | bytes) -> _Message:
    """A page's message as a command, or a ValueError that says what is wrong with it (never a crash)."""
    if len(text) > 256 * 1024:
        raise ValueError(_("message of {size} bytes refused: at most 256 kB").format(size=len(text)))
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise ValueError(_("not a JSON message")) from None
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise ValueError(_('a message is a JSON object with a "type"'))
    try:
        return _COMMAND.validate_python(value)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:])  # the first is the message's type, named already
        if not where:
            raise ValueError(_("message {type!r}: {complaint}").format(type=value["type"],
                                                                        complaint=complaint(first))) from None
        raise ValueError(_("message {type!r}: {where}: {complaint}").format(
            type=value["type"], where=where, complaint=complaint(first))) from None


# --- one configuration on the page ---------------------------------------------------------------

class Lane:
    """One trainer on the page with everything drawn of it: the view, the fixed latent mesh, real samples, the
    step log that becomes ``metrics.jsonl``, and the live changes made to it."""

    def __init__(self, config: Config, *, state: dict[str, Any] | None = None, run: dict[str, Any] | None = None):
        self.config, data, self.warnings = prepare(config)
        check_playable(data)
        self.trainer = Trainer(self.config, data)
        self.start_step = 0
        if state is not None:
            self.trainer.load_state_dict(state)
            self.start_step = self.trainer.g_step
        sample = data.sample(frames.METRIC_SAMPLES, torch.Generator().manual_seed(0)).numpy()
        self.real = sample
        self.view = frames.view_of(sample)
        self.mesh_z = frames.latent_mesh(self.trainer, self.view.mesh, self.view.dim)
        self.grid = self.view.grid_points()
        self.heat: np.ndarray | None = None  # D's landscape as last computed, and at which steps
        self.heat_at: tuple[int, int] = (-1, -1)
        self.window: dict[str, tuple[float, int]] = {}
        self.log: list[dict[str, Any]] = []
        self.health = HealthMonitor(self.config.objective.name)
        self.seconds = 0.0
        if run is not None:  # a run folder's own logging state: its log continues where it stopped
            self.window = {k: (t, c) for k, (t, c) in run["window"].items()}
            self.seconds = float(run["elapsed"])
            self.health.load_state_dict(run["health"])
        self.changes: list[dict[str, Any]] = []
        self.latest: dict[str, float] = {}
        self.metrics: dict[str, Any] = {}

    @property
    def data(self) -> Dataset:
        return self.trainer.data

    # --- stepping

    def step(self, between: Callable[[], None] | None = None) -> None:
        """One step of the game, exactly as ``gandojo train`` takes it (diagnostics at its evaluation steps)."""
        trainer, cfg = self.trainer, self.config.train
        started = time.perf_counter()
        diagnostics = (trainer.g_step + 1) % cfg.eval_every == 0
        stats = trainer.step(diagnostics=diagnostics, between=between)
        self.seconds += time.perf_counter() - started
        self._record(stats)

    def critic_only(self) -> None:
        """One critic step and no generator step (D only): D's parameters move, G's do not."""
        stats = {k: v.item() for k, v in self.trainer.critic_step().stats.items()}
        self.latest.update(stats)
        self.changes.append({"step": self.trainer.g_step, "change": "D only: one critic step"})

    def generator_only(self) -> None:
        """One generator step on fresh noise and no critic step (G only)."""
        loss = self.trainer.generator_step().item()
        self.latest["loss_g"] = loss
        self.changes.append({"step": self.trainer.g_step, "change": "G only: one generator step"})

    def _record(self, stats: dict[str, float]) -> None:
        """The step's stats into the log, line for line as the run hooks write them (means since the last line)."""
        self.latest = stats
        for key, value in stats.items():
            total, count = self.window.get(key, (0.0, 0))
            self.window[key] = (total + value, count + 1)
        step, cfg = self.trainer.g_step, self.config.train
        if step % cfg.log_every == 0 or step % cfg.eval_every == 0 or step == 1:
            record = {"step": step, "d_steps": self.trainer.d_step,
                      **{k: total / count for k, (total, count) in self.window.items()},
                      "time": round(self.seconds, 3)}
            self.window.clear()
            self.log.append(record)
            self.health.check(record)

    # --- settings

    def retune(self, changes: dict[str, Any]) -> tuple[Config, str]:
        """Apply live changes (:data:`LIVE_KEYS`) without a reset; returns the new config and what happened to the
        optimizer's state."""
        new = _changed(self.config, changes)
        trainer, old = self.trainer, self.config
        note = _("the optimizer keeps its state (its moment estimates)")
        rebuild = (new.optim.name, new.optim.betas, new.optim.momentum) != (old.optim.name, old.optim.betas,
                                                                              old.optim.momentum)
        trainer.config = new
        opt = new.optim
        if rebuild:
            trainer.opt_g = build_optimizer(trainer.generator.parameters(), opt.name, opt.lr, opt.betas, opt.momentum)
            trainer.opt_d = build_optimizer(trainer.discriminator.parameters(), opt.name, opt.lr_d or opt.lr,
                                            opt.betas, opt.momentum)
            note = _("a new optimizer (or new betas or momentum): both start with an empty state")
        for optimizer, lr in ((trainer.opt_g, opt.lr), (trainer.opt_d, opt.lr_d or opt.lr)):
            for group in optimizer.param_groups:
                group["lr"] = lr
        trainer._set_learning_rates()  # a decay schedule applies to the new rates from this step on
        if new.train.ema > 0 and trainer.ema_generator is None:
            trainer.ema_generator = copy.deepcopy(trainer.generator)
            note += _("; the moving average of G starts from G's current weights")
        elif new.train.ema == 0:
            trainer.ema_generator = None
        self.config = new
        step = trainer.g_step
        self.changes += [{"step": step, "change": f"{key}={value}"} for key, value in changes.items()]
        return new, note

    def state_json(self) -> dict[str, Any]:
        """What the page shows of this lane besides frames: its settings and view."""
        c = self.config
        return {"config": to_dict(c), "view": self.view.as_json(), "scores": self.trainer.objective.scores,
                "modes": None if self.data.modes is None else {
                    "centers": self.data.modes.centers.tolist(), "names": list(self.data.modes.names),
                    "weights": [float(w) for w in self.data.modes.weights]},
                "latent_dim": c.model.latent_dim, "step": self.trainer.g_step, "warnings": self.warnings,
                "changes": self.changes}


def check_playable(data: Dataset) -> None:
    if data.kind != "points" or data.shape[0] > 2:
        raise ValueError(_("gandojo play draws 1-D and 2-D points; {name} holds {kind} of shape {shape} (train it "
                           "with gandojo train)").format(name=data.name, kind=data.kind, shape=tuple(data.shape)))


def _changed(config: Config, changes: dict[str, Any]) -> Config:
    """``config`` with ``changes`` (key → value) applied through the schema, within :data:`LIMITS`."""
    overrides = []
    for key, value in changes.items():
        if key not in LIVE_KEYS and key not in RESET_KEYS:
            raise ValueError(_("{key!r} is not a setting the page changes; it changes {keys}").format(
                key=key, keys=", ".join(LIVE_KEYS + RESET_KEYS)))
        if isinstance(value, bool | int | float) and key in LIMITS and not isinstance(value, bool) \
                and value > LIMITS[key]:
            raise ValueError(_("{key} = {value} is more than the page allows ({limit})").format(
                key=key, value=value, limit=LIMITS[key]))
        text = ",".join(map(str, value)) if isinstance(value, list) else str(value).lower() if isinstance(
            value, bool) else str(value)
        overrides.append(f"{key}={text}")
    if "objective.name" in changes:
        config = with_objective(config, str(changes["objective.name"]))
    return resolve(apply_overrides(config, overrides))


# --- the session ----------------------------------------------------------------------------------

Publish = Callable[[str, Any], None]  # (kind, payload): "frame" or "phase_frame" (lane, bytes), or a reply dict


class PlaySession:
    """One page's game: lanes, controls, frames. Commands are applied on the worker thread between steps.

    ``publish(kind, payload)`` is called from the worker with ``"frame"`` and (lane, a frame's bytes) (the newest
    replaces an unsent one), ``"phase_frame"`` for a phase of slow motion (each one reaches the page, in order),
    ``"state"`` and the page's state, or ``"reply"`` and an answer to a command.
    """

    def __init__(self, config: Config, out: Path, *, state: dict[str, Any] | None = None,
                 run: dict[str, Any] | None = None, cache_dir: Path | None = None):
        self.out = Path(out)
        self.cache_dir = cache_dir
        self._first = (config, state, run)
        self.lanes: list[Lane] = []  # built on the worker thread: torch runs at half speed on modules that another
        # thread created (measured: a ring8 step 21 ms against 11 ms)
        self.preset: str | None = None
        self.playing = False
        self.slow = False
        self.steps_per_frame = 3  # ring8's best recipe: 20+ frames per second at 0.7+ of train's speed
        self.error: str | None = None
        self.commands: queue.Queue[_Message] = queue.Queue(maxsize=64)
        self.publish: Publish = lambda kind, payload: None
        self.closed = threading.Event()
        self.wake = threading.Event()
        self.frame_count = 0
        self.phase_seconds = PHASE_SECONDS
        self._metrics_at = 0.0
        self._w1_at = 0.0
        self.thread = threading.Thread(target=self._run, name="gandojo-play", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.closed.set()
        self.wake.set()
        self.thread.join(timeout=10)

    def submit(self, command: _Message) -> None:
        """Queue a parsed command for the worker; a full queue (a flooding page) is refused."""
        try:
            self.commands.put_nowait(command)
        except queue.Full:
            raise ValueError(_("too many commands waiting; slow down")) from None
        self.wake.set()

    def pause(self) -> None:
        """What closing the page does: training stops (the session stays until it is dropped)."""
        self.playing = False

    # --- the worker

    def _run(self) -> None:
        config, state, run = self._first
        try:
            self.lanes = [Lane(config, state=state, run=run)]
        except (ValueError, FileNotFoundError) as err:  # checked before serving: only a file gone since then
            self._reply("error", str(err))
            return
        while not self.closed.is_set():  # the page's "hello" asks for the first state and frame
            self._apply_commands()
            if self.playing:
                try:
                    self._advance()
                except NonFiniteError as err:
                    self.playing = False
                    self._reply("error", _("{error}; the players stay as they were before that step. Lower a "
                                           "learning rate, or reset").format(error=err))
                except Exception as err:  # noqa: BLE001 - the page hears of it; the server stays up
                    self.playing = False
                    self._reply("error", f"{type(err).__name__}: {err}")
            else:
                self.wake.wait(0.1)
                self.wake.clear()

    def _apply_commands(self) -> None:
        while True:
            try:
                command = self.commands.get_nowait()
            except queue.Empty:
                return
            try:
                self._apply(command)
            except (ValueError, FileNotFoundError, NonFiniteError) as err:  # refused: nothing changed
                self._reply("error", str(err))
            except Exception as err:  # noqa: BLE001 - a bug, or a device that is not there: say so, keep serving
                self.playing = False
                self._reply("error", f"{type(err).__name__}: {err}")

    def _apply(self, command: _Message) -> None:
        kind = command.type
        if kind == "hello":
            self._send_state()
            self._send_frames(metrics=True)
        elif kind == "play":
            self.playing = True
        elif kind == "pause":
            self.playing = False
            self._send_frames(metrics=True)
        elif kind == "step":
            self._advance(steps=1)
        elif kind in ("d_only", "g_only"):
            for lane in self.lanes:
                lane.critic_only() if kind == "d_only" else lane.generator_only()
            self._send_frames(metrics=True)
        elif kind == "reset":
            self._rebuild([lane.config for lane in self.lanes], "started again from step 0")
        elif kind == "slow_motion":
            self.slow = command.on
        elif kind == "steps_per_frame":
            self.steps_per_frame = command.value
        elif kind == "set":
            self._set(command)
        elif kind == "data":
            if command.name not in DATA:
                raise ValueError(_("unknown data set {name!r}; expected one of {names}").format(
                    name=command.name, names=", ".join(DATA)))
            self.use_data(command.name)
        elif kind == "file":
            self.use_data(str(command.path), note=command.path.name)
        elif kind == "draw":
            self.use_data(str(self.save_drawing(command.points)), note="your drawing")
        elif kind == "side_by_side":
            self._side_by_side(command.preset)
        elif kind == "save":
            folders = self.save(command.name)
            self._reply("saved", ", ".join(str(f) for f in folders), folders=[str(f) for f in folders])

    def _set(self, command: SetValues) -> None:
        if command.lane >= len(self.lanes):
            raise ValueError(_("lane {lane} is not on the page").format(lane=command.lane))
        lane = self.lanes[command.lane]
        live = all(key in LIVE_KEYS for key in command.changes)
        if live:
            _new, note = lane.retune(dict(command.changes))
            self._reply("ok", _("changed {keys} at step {step} without a reset; {note}").format(
                keys=", ".join(command.changes), step=lane.trainer.g_step, note=note))
        else:
            configs = [lane.config for lane in self.lanes]
            configs[command.lane] = _changed(lane.config, dict(command.changes))
            self._rebuild(configs, _("{keys} changed: started again from step 0").format(
                keys=", ".join(command.changes)))
        self._send_state()
        self._send_frames(metrics=True)

    def use_data(self, name: str, note: str | None = None) -> None:
        """Every lane on other data (a bundled name or a file in ``out``), started again."""
        configs = [apply_overrides(lane.config, [f"data.name={name}", "model.standardize=null"]) for lane in self.lanes]
        self._rebuild([resolve(c) for c in configs], _("now training on {data}: started again from step 0").format(
            data=note or name))

    def _side_by_side(self, preset: str | None) -> None:
        if preset is None:
            self._rebuild([self.lanes[0].config], _("one configuration again"))
            self.preset = None
            return
        if preset not in PRESETS:
            raise ValueError(_("unknown comparison {name!r}; expected one of {names}").format(
                name=preset, names=", ".join(PRESETS)))
        data, seed = self.lanes[0].config.data.name, self.lanes[0].config.train.seed
        configs = [apply_overrides(load_preset(name), [f"data.name={data}", f"train.seed={seed}"])
                   for name in PRESETS[preset][1]]
        self._rebuild(configs, _("side by side: {what}").format(what=_(PRESETS[preset][0])))
        self.preset = preset

    def _rebuild(self, configs: list[Config], message: str) -> None:
        lanes = [Lane(config) for config in configs]  # any error: the old lanes stay
        self.lanes = lanes
        self.playing = False
        self._reply("ok", message)
        self._send_state()
        self._send_frames(metrics=True)

    def _advance(self, steps: int | None = None) -> None:
        """``steps`` (default: steps per frame) steps of every lane, then a frame; in slow motion one step,
        phase by phase, each phase drawn and named."""
        if self.slow:
            self._slow_step()
            return
        for _step in range(steps or self.steps_per_frame):
            for lane in self.lanes:
                lane.step()
        now = time.monotonic()
        self._send_frames(metrics=now - self._metrics_at > 1.0 or steps is not None)

    def _slow_step(self) -> None:
        phases = [_("1. G turns its fixed noise into a fake batch"), _("2. D scores the real and the fake samples")]
        for phase in phases:
            self._send_frames(metrics=False, phase=phase)
            self._pause_for(self.phase_seconds)

        def between() -> None:  # after D's update, before G's: draw D's new landscape and G's gradient
            self._send_frames(metrics=False, phase=_("3. D's update: its landscape after the critic steps"))
            self._pause_for(self.phase_seconds)
            self._send_frames(metrics=False, phase=_("4. G's gradient: where each sample is pushed"))
            self._pause_for(self.phase_seconds)

        for lane in self.lanes:
            lane.step(between=between if lane is self.lanes[-1] else None)
        self._send_frames(metrics=True, phase=_("5. G's update: the samples moved"))
        self._pause_for(self.phase_seconds)

    def _pause_for(self, seconds: float) -> None:
        self.closed.wait(seconds)

    # --- what goes to the page

    def _reply(self, kind: str, message: str, **extra: Any) -> None:
        self.publish("reply", {"type": kind, "message": message, **extra})

    def _send_state(self) -> None:
        self.publish("state", {"type": "state", "lanes": [lane.state_json() for lane in self.lanes],
                               "playing": self.playing, "slow": self.slow, "steps_per_frame": self.steps_per_frame,
                               "preset": self.preset, "live_keys": list(LIVE_KEYS), "reset_keys": list(RESET_KEYS)})
        for index, lane in enumerate(self.lanes):
            self.publish("real", (index, frames.encode({"type": "real", "lane": index}, {"real": lane.real[:1000]})))

    def _send_frames(self, *, metrics: bool, phase: str | None = None) -> None:
        """A frame of every lane. D's 64×64 landscape costs half a training step: while playing it is computed on
        every second frame (10+ times a second) and the frame in between shows it again (its header says at which
        step it was computed); after a step, D only, G only or a phase of slow motion it is always new."""
        now = time.monotonic()
        exact = metrics and now - self._w1_at > 4.0
        for index, lane in enumerate(self.lanes):
            if metrics:
                lane.metrics = frames.metrics(lane.trainer, lane.real, lane.view, exact_w1=exact)
            steps = (lane.trainer.g_step, lane.trainer.d_step)
            fresh = lane.heat is None or phase is not None or not self.playing or self.frame_count % 2 == 0 \
                or steps == lane.heat_at
            arrays = frames.frame(lane.trainer, lane.view, lane.mesh_z, lane.grid if fresh else None)
            if fresh:
                lane.heat, lane.heat_at = arrays["heat"], steps
            arrays["heat"] = lane.heat
            header = {"type": "frame", "lane": index, "step": lane.trainer.g_step, "d_step": lane.trainer.d_step,
                      "heat_step": lane.heat_at[0], "phase": phase, "stats": lane.latest,
                      "metrics": lane.metrics if metrics else None, "frame": self.frame_count,
                      "playing": self.playing}
            self.publish("frame" if phase is None else "phase_frame", (index, frames.encode(header, arrays)))
        if metrics:
            self._metrics_at = now
            if exact:
                self._w1_at = now
        self.frame_count += 1

    # --- files in the out folder

    def save_drawing(self, points: list[list[float]]) -> Path:
        """Strokes drawn on the page as a point file in ``out/drawings``: each stroke point becomes 20 samples with
        a small Gaussian noise (2% of the drawing's extent)."""
        dims = {len(p) for p in points}
        if len(dims) != 1:
            raise ValueError(_("every drawn point needs the same number of coordinates"))
        x = np.asarray(points, dtype=np.float64)
        view = self.lanes[0].view
        span = np.array(view.hi) - np.array(view.lo)
        if np.abs(x).max() > 1e6:
            raise ValueError(_("drawn points must lie within ±1e6"))
        noise = 0.02 * max(float(span.max()), 1e-3)
        rng = np.random.default_rng(len(points))
        samples = np.repeat(x, 20, axis=0) + rng.normal(0.0, noise, (len(x) * 20, x.shape[1]))
        folder = make_folder(self.out / "drawings")
        path = folder / f"drawing-{time.strftime('%Y%m%d-%H%M%S')}-{len(list(folder.glob('*.npy')))}.npy"
        atomic_write(path, lambda f: np.save(f, samples.astype(np.float32)))
        return path

    def save_upload(self, filename: str, content: bytes) -> Path:
        """An uploaded point file, kept in ``out/uploads`` under a name of its own; the data loader checks it when
        the lanes are rebuilt (a bad file is removed again)."""
        stem, _dot, suffix = Path(filename).name.rpartition(".")
        suffix = suffix.lower()
        if f".{suffix}" not in (".npy", ".npz", ".csv", ".txt"):
            raise ValueError(_("{name!r}: upload a .npy, .npz, .csv or .txt file of points").format(name=filename))
        safe = re.sub(r"[^A-Za-z0-9_-]+", "-", stem)[:40] or "upload"
        folder = make_folder(self.out / "uploads")
        path = folder / f"{safe}-{len(list(folder.iterdir()))}.{suffix}"
        atomic_write(path, content)
        return path

    def save(self, name: str) -> list[Path]:
        """Every lane as an ordinary run folder ``out/NAME`` (``out/NAME-b`` for the second lane)."""
        folders = []
        for index, lane in enumerate(self.lanes):
            folder = self.out / (name if index == 0 else f"{name}-b")
            save_run(lane, folder, cache_dir=self.cache_dir)
            folders.append(folder)
        return folders


def save_run(lane: Lane, folder: Path, *, cache_dir: Path | None = None) -> dict[str, Any]:
    """A lane as a run folder that ``gandojo train --resume``, ``evaluate``, ``sample`` and ``report`` take:
    ``config.yaml`` (the settings in force now; ``train.steps`` at least the steps taken), ``metrics.jsonl``,
    ``checkpoints/final.pt`` with the trainer's state and the log's, ``summary.json`` listing every live change with
    its step, a snapshot, ``losses.png`` and ``report.html``. Returns the summary."""
    check_new_run_dir(folder)
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(_("{folder} already exists; choose another name").format(folder=folder))
    trainer = lane.trainer
    config = lane.config
    if trainer.g_step > config.train.steps:
        config = replace(config, train=replace(config.train, steps=trainer.g_step))
    make_folder(folder)
    with FolderLock(folder, command="play"):
        make_folder(folder / "checkpoints")
        make_folder(folder / "samples")
        save_yaml(config, folder / "config.yaml")
        trainer.config = lane.config = config
        log = MetricsLog(folder / "metrics.jsonl")
        try:
            for record in lane.log:
                log.write(record)
            hooks = RunHooks(folder, trainer, log, ProgressDisplay(1, enabled=False), cache_dir=cache_dir)
            hooks.load_state_dict({"window": {k: list(v) for k, v in lane.window.items()}, "elapsed": lane.seconds,
                                   "health": lane.health.state_dict(), "last_eval": {}})
            evaluation = hooks.evaluate()
            hooks.last_eval = evaluation
            if not lane.log or lane.log[-1]["step"] != trainer.g_step:
                log.write({"step": trainer.g_step, "d_steps": trainer.d_step, "time": round(lane.seconds, 3)})
            hooks.snapshot()
            hooks.checkpoint("final.pt")
        finally:
            log.close()
        records = read_metrics(folder / "metrics.jsonl")
        if records:  # the final evaluation on the last line, as a finished run has it
            records[-1].update({k: evaluation[k] for k in LOGGED_EVAL_KEYS if k in evaluation})
            if evaluation.get("wasserstein") is not None:
                records[-1]["w_exact"] = evaluation["wasserstein"]
            atomic_write(folder / "metrics.jsonl", "".join(json.dumps(json_safe(r)) + "\n" for r in records).encode())
        training_curves(records, folder / "losses.png", title=f"{config.objective.name} on {config.data.name}")
        summary = {"status": "finished", "objective": config.objective.name, "data": config.data.name,
                   "model": config.model.family, "steps": trainer.g_step, "new_steps": trainer.g_step - lane.start_step,
                   "critic_steps": trainer.d_step, "processes": 1, "seconds": round(lane.seconds, 2),
                   "steps_per_second": round((trainer.g_step - lane.start_step) / lane.seconds, 2)
                   if lane.seconds > 0 else None,
                   "evaluation": evaluation, "warnings": lane.health.messages,
                   "warning_records": lane.health.records,
                   "notes": ["saved from gandojo play"] + lane.warnings, "live_changes": lane.changes}
        write_summary(folder, summary)
        with contextlib.suppress(Exception):  # noqa: BLE001 - the run is saved; its page is a convenience
            run_report(folder)
    return summary
