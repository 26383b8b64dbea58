"""Reliability: exact resume (clean stop, Ctrl-C, SIGKILL, before the first checkpoint), checkpoints by steps and
by time, corrupt and malicious checkpoints, the NaN guard.

A retrain from step 0 ends in the same state as a correct resume, so bit-identical parameters alone prove
nothing about resuming. Every resume test also checks what only a real resume gives: the resumed call runs
exactly N - k generator steps (counted), and its metrics.jsonl equals the uninterrupted run's line for line
(the logging window's partial sums travel in the checkpoint). ``test_the_resume_checks_catch_a_no_op_load``
runs the checks against a build whose checkpoint loading does nothing, and expects them to fail.
"""

import json
import os
import signal
from dataclasses import replace
from pathlib import Path

import pytest
import torch

import gandojo.objectives as objectives
import gandojo.runs.hooks as hooks_module
from gandojo.cli import main
from gandojo.config import Config
from gandojo.errors import CheckpointError
from gandojo.runs.checkpoint import load_checkpoint
from gandojo.runs.runner import StopRequested, train_run
from gandojo.train import NonFiniteError, Trainer
from run_helpers import (
    TINY,
    StepCounter,
    assert_identical,
    flatten,
    log_lines,
    resume_and_check,
    spawn_paused,
    tiny_config,
)


def interrupt_at(monkeypatch, objective: str, step: int, times: int = 1):
    """Press Ctrl-C (a real SIGINT to this process) ``times`` times during generator step ``step``."""
    spec = objectives.OBJECTIVES[objective]
    calls = {"n": 0}

    def g_loss(d_fake):
        calls["n"] += 1
        loss = spec.g_loss(d_fake)
        if calls["n"] == step:
            for _ in range(times):
                signal.raise_signal(signal.SIGINT)  # the handler runs before raise_signal returns
        return loss

    monkeypatch.setitem(objectives.OBJECTIVES, objective, replace(spec, g_loss=g_loss))


# --- stop and resume, in this process ------------------------------------------------------------------

@pytest.mark.parametrize("objective", ["gan", "gan-minimax", "lsgan", "hinge", "wgan", "wgan-gp"])
def test_stop_and_resume_is_bit_identical(tmp_path, monkeypatch, objective):
    extra = ["objective.warmup_schedule=false"] if objective == "wgan" else []
    train_run(tiny_config(objective, 24, *extra), tmp_path / "straight", progress=False)
    with monkeypatch.context() as patch:
        interrupt_at(patch, objective, 11)  # step 11 is not a logging step: the window is carried half full
        with pytest.raises(StopRequested):
            train_run(tiny_config(objective, 24, *extra), tmp_path / "resumed", progress=False)
    assert json.loads((tmp_path / "resumed" / "summary.json").read_text())["status"] == "interrupted"
    resume_and_check(monkeypatch, tmp_path / "resumed", tmp_path / "straight", 11)


def test_wgan_warmup_schedule_position_survives_resume(tmp_path, monkeypatch):
    # Stop inside the 100-critic-step warm-up (the first 25 G steps) and resume across its end.
    train_run(tiny_config("wgan", 28), tmp_path / "straight", progress=False)
    with monkeypatch.context() as patch:
        interrupt_at(patch, "wgan", 13)
        with pytest.raises(StopRequested):
            train_run(tiny_config("wgan", 28), tmp_path / "resumed", progress=False)
    resume_and_check(monkeypatch, tmp_path / "resumed", tmp_path / "straight", 13)
    assert load_checkpoint(tmp_path / "resumed" / "checkpoints" / "final.pt")["trainer"]["d_step"] == 25 * 100 + 3 * 5


def test_finished_run_continues_with_more_steps(tmp_path, monkeypatch, straight_gan):
    run = tmp_path / "run"
    train_run(tiny_config("gan", 20), run, progress=False)
    first = log_lines(run)
    counter = StepCounter(monkeypatch)
    assert main(["train", "--resume", str(run), "--steps", "40", "--quiet"]) == 0
    assert counter.steps == 20 and json.loads((run / "summary.json").read_text())["new_steps"] == 20
    assert_identical(straight_gan, run)
    assert log_lines(run)[:len(first)] == first  # the finished part of the log is kept as it was


def test_the_resume_checks_catch_a_no_op_load(tmp_path, monkeypatch, straight_gan):
    """The same checks against a build whose checkpoint loading does nothing: they must fail."""
    with monkeypatch.context() as patch:
        interrupt_at(patch, "gan", 12)
        with pytest.raises(StopRequested):
            train_run(tiny_config("gan", 40), tmp_path / "run", progress=False)
    monkeypatch.setattr(Trainer, "load_state_dict", lambda self, state: None)
    with pytest.raises(AssertionError, match="expected 40 - 12"):
        resume_and_check(monkeypatch, tmp_path / "run", straight_gan, 12)


def test_second_ctrl_c_stops_at_once(tmp_path, monkeypatch, capsys):
    """The first Ctrl-C asks to stop after the step; a second one during the same step stops mid-step: no
    checkpoint of that step is written, the last one stays, the exit code is 130."""
    interrupt_at(monkeypatch, "gan", 12, times=2)
    run = tmp_path / "run"
    assert main(["train", "--steps", "40", "--out", str(run), "--quiet", *TINY]) == 130
    assert "--resume" in capsys.readouterr().err
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["steps"] == 11  # step 12 never finished
    names = sorted(p.name for p in (run / "checkpoints").iterdir())
    assert names == ["last-good.pt", "step_0000005.pt", "step_0000010.pt"]
    assert int(load_checkpoint(run / "checkpoints" / "last-good.pt")["trainer"]["g_step"]) == 10


# --- a real process: SIGKILL and Ctrl-C --------------------------------------------------------------

def test_sigkill_mid_run_then_resume_is_bit_identical(tmp_path, monkeypatch, straight_gan):
    run = tmp_path / "killed"
    proc, _ = spawn_paused(run, 23)  # mid-step 23: the newest checkpoint is step 20
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not (run / "summary.json").exists()
    resume_and_check(monkeypatch, run, straight_gan, 20)


def test_sigkill_before_the_first_checkpoint_starts_again(tmp_path, monkeypatch, capsys, straight_gan):
    run = tmp_path / "early"
    proc, _ = spawn_paused(run, 3)  # no checkpoint yet
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert not any((run / "checkpoints").iterdir())
    resume_and_check(monkeypatch, run, straight_gan, 0)
    assert "no checkpoint yet" in capsys.readouterr().err


def test_ctrl_c_checkpoints_at_a_step_boundary_and_exits_130(tmp_path, monkeypatch, straight_gan):
    run = tmp_path / "interrupted"
    proc, go = spawn_paused(run, 12)
    proc.send_signal(signal.SIGINT)  # arrives mid-step 12; the step finishes once the pause ends
    go.write_text("")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "--resume" in err
    summary = json.loads((run / "summary.json").read_text())
    assert (summary["status"], summary["steps"]) == ("interrupted", 12)
    assert int(load_checkpoint(run / "checkpoints" / "step_0000012.pt")["trainer"]["g_step"]) == 12
    resume_and_check(monkeypatch, run, straight_gan, 12)


# --- checkpoints by time: a kill loses at most train.checkpoint_seconds of work ------------------------

def fake_clock(monkeypatch) -> None:
    """The run's clock advances 25 s at every generator step (the GAN's generator loss moves it)."""
    spec = objectives.OBJECTIVES["gan"]
    clock = {"now": 0.0}

    def g_loss(d_fake):
        clock["now"] += 25.0
        return spec.g_loss(d_fake)

    monkeypatch.setitem(objectives.OBJECTIVES, "gan", replace(spec, g_loss=g_loss))
    monkeypatch.setattr(hooks_module, "_clock", lambda: clock["now"])


@pytest.mark.parametrize("seconds, expected", [(60, [3, 6, 9, 12, 15, 18]), (1000000, [])])
def test_checkpoints_by_time(tmp_path, monkeypatch, seconds, expected):
    """A fake clock advances 25 s per generator step; checkpoints by steps are off (every 1,000)."""
    fake_clock(monkeypatch)
    run = tmp_path / "run"
    train_run(tiny_config("gan", 20, "train.checkpoint_every=1000", f"train.checkpoint_seconds={seconds}",
                          "train.keep_checkpoints=100"), run, progress=False)
    steps = sorted(int(p.stem.split("_")[1]) for p in (run / "checkpoints").glob("step_*.pt"))
    assert steps == expected
    times = [0] + [25 * s for s in steps]
    assert all(b - a <= seconds + 25 for a, b in zip(times, times[1:], strict=False))  # never more than 60 s + a step
    lines = log_lines(run)
    assert [r["step"] for r in lines][:2] == [1, 5]
    assert json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])["time"] == 500.0  # 20 steps × 25 s


# --- damaged and malicious checkpoints -----------------------------------------------------------------

@pytest.mark.parametrize("damage, from_step", [("truncate", 20), ("flip", 15)])
def test_corrupt_checkpoint_is_named_and_resume_falls_back(tmp_path, monkeypatch, capsys, straight_gan, damage,
                                                           from_step):
    run = tmp_path / "run"
    train_run(tiny_config("gan", 20), run, progress=False)
    final = run / "checkpoints" / "final.pt"
    data = bytearray(final.read_bytes())
    if damage == "truncate":
        # final.pt is also last-good.pt (a hard link): break the link so that only final.pt is damaged,
        # and resume falls back to last-good.pt (step 20)
        final.unlink()
        final.write_bytes(bytes(data[: len(data) // 2]))
    else:
        # flipped in place: final.pt and last-good.pt are both damaged; resume falls back to step_0000015.pt
        for i in range(len(data) // 3, len(data) // 3 + 64):
            data[i] ^= 0xFF
        with final.open("r+b") as f:
            f.write(bytes(data))
    with pytest.raises(CheckpointError, match="final.pt"):
        load_checkpoint(final)
    capsys.readouterr()
    counter = StepCounter(monkeypatch)
    assert main(["train", "--resume", str(run), "--steps", "40", "--quiet"]) == 0
    assert "final.pt" in capsys.readouterr().err  # said which file was skipped
    assert counter.steps == 40 - from_step
    assert_identical(straight_gan, run)


@pytest.mark.parametrize("content", [b"junk\n", b"", bytes(range(256)) * 4, b"PK\x03\x04 not a zip"])
def test_a_file_of_other_bytes_is_a_corrupt_checkpoint_not_a_crash(tmp_path, capsys, content):
    bad = tmp_path / "final.pt"
    bad.write_bytes(content)
    with pytest.raises(CheckpointError, match="final.pt: corrupt or truncated checkpoint"):
        load_checkpoint(bad)
    assert main(["evaluate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: corrupt or truncated checkpoint") and "Traceback" not in err


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "pwned"))


def test_malicious_checkpoint_is_refused_and_runs_no_code(tmp_path, capsys):
    marker = tmp_path / "marker.txt"
    evil = tmp_path / "evil.pt"
    with evil.open("wb") as f:
        torch.save({"trainer": _Exploit(str(marker)), "config": ""}, f)
    # Prove the file would run code if loaded unsafely, then clean up.
    torch.load(evil, weights_only=False)
    assert marker.read_text() == "pwned"
    marker.unlink()
    with pytest.raises(CheckpointError, match="refused"):
        load_checkpoint(evil)
    assert main(["evaluate", str(evil)]) == 2
    assert "refused" in capsys.readouterr().err
    assert not marker.exists()


# --- the NaN guard -----------------------------------------------------------------------------------

def test_nan_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    calls = {"n": 0}
    spec = objectives.OBJECTIVES["gan"]

    def poisoned(d_real, d_fake):
        calls["n"] += 1
        loss = spec.d_loss(d_real, d_fake)
        return loss * float("nan") if calls["n"] == 13 else loss

    monkeypatch.setitem(objectives.OBJECTIVES, "gan", replace(spec, d_loss=poisoned))
    run = tmp_path / "nan"
    with pytest.raises(NonFiniteError) as info:
        train_run(tiny_config("gan", 30), run, progress=False)
    assert info.value.step == 13 and "discriminator" in info.value.what
    failure = json.loads((run / "failure.json").read_text())
    assert failure["step"] == 13 and "hint" in failure
    assert not (run / "checkpoints" / "final.pt").exists()
    good = load_checkpoint(run / "checkpoints" / "last-good.pt")["trainer"]
    assert int(good["g_step"]) == 10
    assert all(torch.isfinite(t).all() for t in flatten(good["generator"]).values())
    assert json.loads((run / "summary.json").read_text())["status"] == "failed"


def test_nan_gives_exit_code_1_with_a_hint(tmp_path, monkeypatch, capsys):
    spec = objectives.OBJECTIVES["gan"]
    monkeypatch.setitem(objectives.OBJECTIVES, "gan",
                        replace(spec, g_loss=lambda d_fake: spec.g_loss(d_fake) * float("inf")))
    code = main(["train", "--steps", "5", "--out", str(tmp_path / "r"), "--quiet", *TINY])
    err = capsys.readouterr().err
    assert code == 1 and "generator" in err and "Hint" in err and "Traceback" not in err


# --- writing checkpoints ----------------------------------------------------------------------------

def test_checkpoint_writes_are_atomic(tmp_path, monkeypatch):
    """A crash while writing leaves the previous checkpoint whole and no partial file under the real name."""
    from gandojo.runs import checkpoint as ckpt

    run = tmp_path / "run"
    train_run(tiny_config("gan", 10), run, progress=False)
    target = run / "checkpoints" / "final.pt"
    before = target.read_bytes()

    def crash(obj, f):
        f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(ckpt.torch, "save", crash)
    with pytest.raises(OSError):
        ckpt.save_checkpoint(target, {"x": torch.zeros(1)}, Config())
    assert target.read_bytes() == before
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".")] == []


def test_keep_last_k_plus_last_good(tmp_path):
    run = tmp_path / "run"
    train_run(tiny_config("gan", 23, "train.keep_checkpoints=2"), run, progress=False)
    names = sorted(p.name for p in (run / "checkpoints").iterdir())
    assert names == ["final.pt", "last-good.pt", "step_0000015.pt", "step_0000020.pt"]
    assert os.path.samefile(run / "checkpoints" / "last-good.pt", run / "checkpoints" / "final.pt")


def test_time_limit_stops_cleanly_and_resumes(tmp_path, monkeypatch):
    """A fake clock advances 25 s per generator step; with a 100 s limit the run stops after step 4, evaluated,
    snapshotted and checkpointed like a finished run, and a resume with a larger limit continues it."""
    fake_clock(monkeypatch)
    run = tmp_path / "run"
    summary = train_run(tiny_config("gan", 40, "train.time_limit=100", "train.sample_every=1000"), run,
                        progress=False)
    assert (summary["status"], summary["steps"]) == ("time limit", 4)
    assert summary["evaluation"]["modes_total"] == 8  # evaluated at the step it stopped
    assert int(load_checkpoint(run / "checkpoints" / "final.pt")["trainer"]["g_step"]) == 4
    assert (run / "samples" / "step_000004.png").is_file() and (run / "losses.png").is_file()
    assert log_lines(run)[-1]["step"] == 4 and "modes_covered" in log_lines(run)[-1]
    assert main(["train", "--resume", str(run), "--time-limit", "200s", "--quiet"]) == 0
    assert json.loads((run / "summary.json").read_text())["steps"] == 8  # 100 s more: 4 more steps
