"""Reliability in numbers: resumes proved against uninterrupted runs, faults injected after a checkpoint exists
and survived, what the operating system does to a run (SIGTERM, a second writer, a full disk, a storm of
SIGKILLs) survived, and fuzzed inputs sorted into rejected, accepted-and-trained, and failures.

    python benchmarks/bench_reliability.py            # about 2 minutes on 2 cores

A resume counts as proved when the resumed call ran exactly the missing steps, ended bit-identical to the
uninterrupted run, and logged the same metrics.jsonl lines (only wall-clock time may differ): a retrain from
step 0 passes the second check but not the first. A fault counts as survived when the run stopped before the
bad step touched anything, its newest checkpoint is the last one before the fault and holds only finite
values, and resuming from it (without the fault) reproduces the uninterrupted run. An operating-system fault
counts as survived when the run stopped the documented way (exit code, one line, no partial file) and a resume
afterwards reproduces the uninterrupted run. Writes benchmarks/results/reliability.txt.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

import gandojo.atomic as atomic
import gandojo.objectives as objectives
from gandojo.cli import main as cli
from gandojo.config import SECTIONS, Config, apply_overrides, from_dict, to_dict
from gandojo.runs.checkpoint import load_checkpoint
from gandojo.runs.runner import StopRequested, prepare, train_run
from gandojo.train import NonFiniteError, Trainer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded import recorded  # noqa: E402

TINY = ["model.hidden=16", "model.depth=2", "train.batch_size=32", "train.log_every=5", "train.eval_every=1000",
        "train.eval_samples=200", "train.sample_every=1000", "train.checkpoint_every=5",
        "train.checkpoint_seconds=1000000", "objective.warmup_schedule=false"]
STEPS = 20


def config(objective: str, steps: int = STEPS) -> Config:
    return apply_overrides(Config(), [f"objective.name={objective}", f"train.steps={steps}", *TINY])


def tensors(run: Path) -> list[torch.Tensor]:
    out = []

    def walk(x):
        if isinstance(x, dict):
            for k in sorted(x, key=str):
                walk(x[k])
        elif isinstance(x, list | tuple):
            for v in x:
                walk(v)
        elif isinstance(x, torch.Tensor):
            out.append(x)

    walk(load_checkpoint(run / "checkpoints" / "final.pt")["trainer"])
    return out


def log(run: Path) -> list[dict]:
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [{k: v for k, v in line.items() if k != "time"} for line in lines]


def identical(a: Path, b: Path) -> bool:
    x, y = tensors(a), tensors(b)
    return len(x) == len(y) and all(torch.equal(p, q) for p, q in zip(x, y, strict=True))


def same_run(a: Path, b: Path) -> bool:
    return identical(a, b) and log(a) == log(b)


@contextlib.contextmanager
def patched(objective: str, **losses):
    spec = objectives.OBJECTIVES[objective]
    objectives.OBJECTIVES[objective] = replace(spec, **losses)
    try:
        yield spec
    finally:
        objectives.OBJECTIVES[objective] = spec


def on_call(function, call: int, action):
    calls = {"n": 0}

    def wrapped(*args):
        calls["n"] += 1
        result = function(*args)
        return action(result) if calls["n"] == call else result

    return wrapped


def resumed_steps(run: Path) -> int:
    """Resume ``run`` to STEPS through the CLI; returns the generator steps that call ran (counted)."""
    count = {"n": 0}
    original = Trainer.step

    def counted(trainer, **kwargs):
        count["n"] += 1
        return original(trainer, **kwargs)

    Trainer.step = counted
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            code = cli(["train", "--resume", str(run), "--steps", str(STEPS), "--quiet"])
    finally:
        Trainer.step = original
    return count["n"] if code == 0 else -1


def resumes(tmp: Path) -> dict[str, int]:
    proved = total = 0
    for objective in ("gan", "gan-minimax", "wgan", "wgan-gp"):
        straight = tmp / f"{objective}-straight"
        train_run(config(objective), straight, progress=False)
        for stop in (3, 9, 15):
            run = tmp / f"{objective}-{stop}"

            def ctrl_c(loss):
                signal.raise_signal(signal.SIGINT)
                return loss

            spec = objectives.OBJECTIVES[objective]
            with patched(objective, g_loss=on_call(spec.g_loss, stop, ctrl_c)):
                try:
                    train_run(config(objective), run, progress=False)
                except StopRequested:
                    pass
            total += 1
            proved += resumed_steps(run) == STEPS - stop and same_run(straight, run)
    return {"resumes proved (steps counted, bit-identical, same log)": (proved, total)}


def faults(tmp: Path) -> dict[str, int]:
    straight = tmp / "gan-straight"  # from resumes()
    survived = total = 0
    for where, bad in (("d_loss", float("nan")), ("d_loss", float("inf")), ("g_loss", float("nan"))):
        for step in (7, 12):  # after the checkpoints of steps 5 and 10
            run = tmp / f"fault-{where}-{bad}-{step}"
            spec = objectives.OBJECTIVES["gan"]
            total += 1
            with patched("gan", **{where: on_call(getattr(spec, where), step, lambda loss, b=bad: loss * b)}):
                try:
                    train_run(config("gan"), run, progress=False)
                    continue  # the fault went unnoticed: not survived
                except NonFiniteError:
                    pass
            good = load_checkpoint(run / "checkpoints" / "last-good.pt")["trainer"]
            finite = all(torch.isfinite(t).all() for t in tensors_of(good) if t.is_floating_point())
            expected = 5 * ((step - 1) // 5)
            survived += ((run / "failure.json").exists() and finite and int(good["g_step"]) == expected
                         and resumed_steps(run) == STEPS - expected and same_run(straight, run))
    for damage in ("truncate", "flip", "zero"):
        run = tmp / f"corrupt-{damage}"
        train_run(config("gan", 15), run, progress=False)
        final = run / "checkpoints" / "final.pt"
        data = bytearray(final.read_bytes())
        if damage == "truncate":
            data = data[: len(data) // 2]
        elif damage == "flip":
            data[len(data) // 2] ^= 0xFF
        else:
            data = bytearray(len(data))
        final.unlink()  # break the hard link to last-good.pt: only final.pt is damaged
        final.write_bytes(bytes(data))
        total += 1
        # a finished 15-step run logged and evaluated its last step, so only the state is compared
        survived += resumed_steps(run) == STEPS - 15 and identical(straight, run)
    return {"faults injected after a checkpoint and survived": (survived, total)}


CHILD = Path(__file__).resolve().parent.parent / "tests" / "child_run.py"


def paused_child(run: Path, step: int, args: list[str]) -> tuple[subprocess.Popen, Path]:
    """A training process (tests/child_run.py) paused in the middle of generator step ``step``."""
    marker, go = run.parent / f"{run.name}.paused", run.parent / f"{run.name}.go"
    proc = subprocess.Popen([sys.executable, str(CHILD), str(step), str(marker), str(go), "--", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while not marker.exists():
        if proc.poll() is not None:
            raise RuntimeError(f"the child ended before step {step}: {proc.stderr.read()}")
        time.sleep(0.02)
    return proc, go


def new_run_args(run: Path, steps: int = STEPS, extra: tuple[str, ...] = ()) -> list[str]:
    return ["train", "--objective", "gan", "--steps", str(steps), "--out", str(run), "--quiet", *TINY, *extra]


@contextlib.contextmanager
def full_disk(name: str):
    """ENOSPC for every write to a file whose name starts with ``name`` (atomic writes go through
    ``gandojo.atomic._write_all``)."""
    original = atomic._write_all

    def write_all(fd, data):
        if Path(os.readlink(f"/proc/self/fd/{fd}")).name.lstrip(".").startswith(name):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        original(fd, data)

    atomic._write_all = write_all
    try:
        yield
    finally:
        atomic._write_all = original


def quiet_cli(args: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli(args)
    return code, err.getvalue()


def no_partial_files(run: Path) -> bool:
    return not list(run.rglob("*.tmp"))


def os_faults(tmp: Path) -> dict[str, tuple[int, int]]:
    """SIGTERM and SIGHUP, a second writer, a full disk in four places, and ten SIGKILLs at random moments."""
    straight = tmp / "gan-straight"  # from resumes()
    out: dict[str, tuple[int, int]] = {}
    ok = 0
    for signum in (signal.SIGTERM, signal.SIGHUP):
        run = tmp / f"signal-{signum}"
        proc, go = paused_child(run, 9, new_run_args(run))
        proc.send_signal(signum)
        go.write_text("")
        proc.communicate(timeout=120)
        summary = json.loads((run / "summary.json").read_text())
        ok += (proc.returncode == 128 + signum and summary["status"] == "terminated" and summary["steps"] == 9
               and resumed_steps(run) == STEPS - 9 and same_run(straight, run))
    out["SIGTERM/SIGHUP: checkpoint at the step, exit 128+n, resumed"] = (ok, 2)

    run = tmp / "two-writers"
    proc, go = paused_child(run, 9, new_run_args(run))
    before = sorted((p.name, p.read_bytes()) for p in run.rglob("*") if p.is_file())
    code, err = quiet_cli(["train", "--resume", str(run), "--steps", str(2 * STEPS)])
    untouched = before == sorted((p.name, p.read_bytes()) for p in run.rglob("*") if p.is_file())
    reader, _ = quiet_cli(["evaluate", str(run), "--samples", "200", "--json"])
    go.write_text("")
    proc.communicate(timeout=120)
    out["second writer refused (exit 2, folder untouched), readers work"] = (
        int(code == 2 and "being written by another gandojo process" in err and untouched and reader == 0), 1)

    ok = 0
    for name, step in (("step_0000010.pt", 5), ("metrics.jsonl", 0), ("step_000010.png", None), ("report.html", None)):
        run = tmp / f"full-{name}"
        with full_disk(name):
            code, err = quiet_cli(new_run_args(run, extra=("train.sample_every=10",)))
        if step is None:  # a picture or the page: a warning, and the run finishes
            ok += code == 0 and "warning: " in err and "no space left on device" in err and no_partial_files(run)
        else:
            clean = code == 1 and err.count("error: ") == 1 and "Traceback" not in err and no_partial_files(run)
            ok += clean and resumed_steps(run) == STEPS - step and same_run(straight, run)
    out["full disk (checkpoint, log, snapshot, report): clean stop, resumed"] = (ok, 4)
    out["kills survived (SIGKILL at random moments, resumed after each)"] = kill_storm(tmp, 10)
    return out


def kill_storm(tmp: Path, kills: int) -> tuple[int, int]:
    """SIGKILL one training process at ``kills`` random moments, resuming after each: survived when the run then
    ends bit-identical to a straight run with the same log (and every kill landed mid-run)."""
    extra = ("train.checkpoint_every=3", "train.log_every=1", "train.eval_every=10", "train.sample_every=10")
    steps = 120
    straight, run = tmp / "storm-straight", tmp / "storm"
    train_run(apply_overrides(config("gan", steps), list(extra)), straight, progress=False)
    rng = random.Random(19)
    server = subprocess.Popen([sys.executable, str(CHILD), "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    landed = 0
    try:
        for kill in range(kills):
            marker, go = tmp / f"storm{kill}.paused", tmp / f"storm{kill}.go"
            args = (["train", "--resume", str(run), "--quiet"] if (run / "config.yaml").exists()
                    else new_run_args(run, steps, extra))
            server.stdin.write(json.dumps({"step": rng.randint(1, 3), "marker": str(marker), "go": str(go),
                                           "args": args}) + "\n")
            server.stdin.flush()
            pid = json.loads(server.stdout.readline())["pid"]
            while not marker.exists():
                time.sleep(0.005)
            go.write_text("")
            time.sleep(rng.uniform(0, 0.015))
            os.kill(pid, signal.SIGKILL)
            landed += json.loads(server.stdout.readline())["code"] == -signal.SIGKILL
    finally:
        server.stdin.close()
        server.wait(timeout=60)
    code, _ = quiet_cli(["train", "--resume", str(run), "--quiet"])
    return (landed if code == 0 and same_run(straight, run) else 0), kills


def tensors_of(state) -> list[torch.Tensor]:
    if isinstance(state, dict):
        return [t for v in state.values() for t in tensors_of(v)]
    if isinstance(state, list | tuple):
        return [t for v in state for t in tensors_of(v)]
    return [state] if isinstance(state, torch.Tensor) else []


def fuzzed_configs(n: int) -> dict[str, int]:
    """Valid configs with one key replaced by junk, each sorted into one outcome."""
    rng = random.Random(0)
    junk = [None, True, -1, 0, 1, 1e308, float("nan"), "x", [1, 2, 3], {"a": 1}, "", -0.5]
    valid = to_dict(Config())
    outcomes = {"rejected with a ValueError naming the key": 0, "rejected with a ValueError, key not named": 0,
                "accepted, and a training step ran": 0, "accepted, but training failed": 0,
                "crashed (an error other than ValueError)": 0}
    examples: dict[str, list[str]] = {k: [] for k in outcomes}
    for _ in range(n):
        values = {s: dict(k) for s, k in valid.items()}
        section = rng.choice(sorted(SECTIONS))
        key = rng.choice([*values[section], "unknown_key"])
        values[section][key] = rng.choice(junk)
        label = f"{section}.{key}={values[section][key]!r}"
        try:
            checked, data, _ = prepare(from_dict(values))
        except ValueError as err:
            named = f"{section}.{key}" in str(err) or (key == "name" and "data set" in str(err))
            outcome = ("rejected with a ValueError naming the key" if named
                       else "rejected with a ValueError, key not named")
            if not named:
                label += f" ({err})"
        except Exception:  # noqa: BLE001 - counted, not hidden
            outcome = "crashed (an error other than ValueError)"
        else:
            try:
                trainer = Trainer(replace(checked, train=replace(checked.train, batch_size=min(
                    checked.train.batch_size, 64))), data)
                stats = trainer.step()
                ok = all(np.isfinite(v) for v in stats.values()) and all(
                    torch.isfinite(p).all() for p in trainer.generator.parameters())
                outcome = "accepted, and a training step ran" if ok else "accepted, but training failed"
            except Exception:  # noqa: BLE001
                outcome = "accepted, but training failed"
        outcomes[outcome] += 1
        examples[outcome].append(label)
    return outcomes, examples


def bad_cli_inputs(tmp: Path) -> tuple[int, int]:
    np.save(tmp / "nan.npy", np.array([[np.nan, 1.0], [0.0, 0.0]]))
    np.save(tmp / "5d.npy", np.zeros((3, 3, 3, 3, 3)))
    (tmp / "empty.csv").write_text("")
    cases = [["train", "--data", "nope", "--dry-run"], ["train", "--steps", "-1", "--dry-run"],
             ["train", "--data", str(tmp / "nan.npy"), "--dry-run"], ["train", "--data", str(tmp / "5d.npy"),
                                                                       "--dry-run"],
             ["train", "--data", str(tmp / "empty.csv"), "--dry-run"], ["evaluate", str(tmp / "missing")],
             ["sample", str(tmp / "missing"), "-n", "3", "--out", str(tmp / "x.npy")],
             ["train", "optim.lr=-1", "--dry-run"], ["train", "--objective", "vae", "--dry-run"],
             ["train", "--data", "ring8", "data.weights=1,2,3", "--dry-run"], ["train", "train.seed=1e308",
                                                                               "--dry-run"]]
    clean = 0
    for args in cases:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = cli(args)
        clean += code == 2 and "Traceback" not in err.getvalue()
    return clean, len(cases)


def main(argv: list[str] | None = None) -> dict:
    with recorded("reliability", "python benchmarks/bench_reliability.py"), tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        results = {**resumes(tmp), **faults(tmp), **os_faults(tmp)}
        results["bad command lines: exit code 2, one line, no traceback"] = bad_cli_inputs(tmp)
        outcomes, examples = fuzzed_configs(500)
        width = max(map(len, [*results, *outcomes]))
        for name, (ok, total) in results.items():
            print(f"{name:<{width}}  {ok:4d} / {total:<4d}")
        print("\n500 fuzzed configs (one key of a valid config replaced by junk):")
        for name, count in outcomes.items():
            print(f"  {name:<{width - 2}}  {count:4d}")
        for name in ("rejected with a ValueError, key not named", "accepted, but training failed",
                     "crashed (an error other than ValueError)"):
            if examples[name]:
                print(f"  {name}: {', '.join(sorted(set(examples[name]))[:10])}")
        accepted = sorted(set(examples["accepted, and a training step ran"]))
        print(f"  accepted as valid values: {', '.join(accepted)}")
    return {**results, **outcomes}


if __name__ == "__main__":
    main()
