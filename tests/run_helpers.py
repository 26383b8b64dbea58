"""What the run-folder tests share: tiny configs, a training child paused mid-step, and the checks that tell a real
resume from a retrain (steps counted, bit-identical state, the same log)."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gandojo.cli import main
from gandojo.config import Config, apply_overrides
from gandojo.data import load_data
from gandojo.runs.checkpoint import load_checkpoint
from gandojo.train import Trainer

# Tiny models; a checkpoint every 5 steps and never by time, so which checkpoints exist depends on steps only.
TINY = ["model.hidden=16", "model.depth=2", "train.batch_size=32", "train.log_every=5", "train.eval_every=1000",
        "train.eval_samples=200", "train.sample_every=1000", "train.checkpoint_every=5",
        "train.checkpoint_seconds=1000000"]
CHILD = Path(__file__).with_name("child_run.py")


def tiny_config(objective: str, steps: int, *extra: str) -> Config:
    return apply_overrides(Config(), [f"objective.name={objective}", f"train.steps={steps}", *TINY, *extra])


def flatten(state, prefix=""):
    """Every tensor of a nested state dict, keyed by its path."""
    out = {}
    if isinstance(state, dict):
        for key, value in state.items():
            out.update(flatten(value, f"{prefix}/{key}"))
    elif isinstance(state, list | tuple):
        for i, value in enumerate(state):
            out.update(flatten(value, f"{prefix}/{i}"))
    elif isinstance(state, torch.Tensor):
        out[prefix] = state
    return out


def assert_identical(run_a: Path, run_b: Path):
    a = flatten(load_checkpoint(run_a / "checkpoints" / "final.pt")["trainer"])
    b = flatten(load_checkpoint(run_b / "checkpoints" / "final.pt")["trainer"])
    assert a.keys() == b.keys()
    different = [key for key in a if not torch.equal(a[key], b[key])]
    assert not different, f"differ after resume: {different[:5]}"
    assert any(key.startswith("/generator/") for key in a) and any(key.startswith("/opt_d/") for key in a)


def log_lines(run: Path) -> list[dict]:
    """metrics.jsonl without the wall-clock ``time`` of each line (the one value two runs cannot share)."""
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [{k: v for k, v in line.items() if k != "time"} for line in lines]


def assert_same_log(run_a: Path, run_b: Path):
    a, b = log_lines(run_a), log_lines(run_b)
    assert [r["step"] for r in a] == [r["step"] for r in b]
    different = [ra["step"] for ra, rb in zip(a, b, strict=True) if ra != rb]
    assert not different, f"log lines differ at steps {different}"


class StepCounter:
    """Counts the generator steps this process runs (calls of Trainer.step)."""

    def __init__(self, monkeypatch):
        self.steps = 0
        original = Trainer.step

        def counted(trainer, **kwargs):
            self.steps += 1
            return original(trainer, **kwargs)

        monkeypatch.setattr(Trainer, "step", counted)


def resume_and_check(monkeypatch, run: Path, straight: Path, from_step: int, args=()):
    """Resume ``run`` through the CLI and check that it resumed from ``from_step``: it runs exactly the
    missing steps, ends bit-identical to ``straight`` and logs the same lines."""
    counter = StepCounter(monkeypatch)
    assert main(["train", "--resume", str(run), "--quiet", *args]) == 0
    total = json.loads((straight / "summary.json").read_text())["steps"]
    summary = json.loads((run / "summary.json").read_text())
    assert counter.steps == total - from_step, f"ran {counter.steps} steps, expected {total} - {from_step}"
    assert (summary["steps"], summary["new_steps"]) == (total, total - from_step)
    assert_identical(straight, run)
    assert_same_log(straight, run)


def default_stop_signals() -> None:
    """In the child: Ctrl-C, SIGTERM and SIGHUP as a terminal's process has them, whatever this test process
    inherited (under nohup SIGHUP is ignored, in a background job SIGINT: the runner rightly keeps an ignored
    signal ignored)."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)


def spawn_paused(run: Path, step: int, steps: int = 40, *,
                 preexec_fn=default_stop_signals) -> tuple[subprocess.Popen, Path]:
    """A CLI training process paused in the middle of generator step ``step``; returns it and its go-file."""
    marker, go = run.parent / f"{run.name}.paused", run.parent / f"{run.name}.go"
    args = [sys.executable, str(CHILD), str(step), str(marker), str(go), "--", "train", "--objective", "gan",
            "--steps", str(steps), "--out", str(run), "--quiet", *TINY]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=preexec_fn)
    deadline = time.monotonic() + 300
    while not marker.exists():  # written once, never deleted
        if proc.poll() is not None:
            pytest.fail(f"the training process ended before step {step}: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the training process did not reach step {step} in 300 s")
        time.sleep(0.02)
    return proc, go




def trainer_for(config: Config, **kwargs) -> Trainer:
    """A :class:`Trainer` on the data ``config`` names."""
    return Trainer(config, load_data(config.data), **kwargs)
