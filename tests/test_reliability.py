"""Reliability: exact resume (clean stop, Ctrl-C, SIGKILL), corrupt and malicious checkpoints, NaN guard."""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import torch

import gandojo.objectives as objectives
from gandojo.checkpoint import CheckpointError, load_checkpoint
from gandojo.cli import main
from gandojo.config import Config, apply_overrides
from gandojo.run import train_run
from gandojo.train import NonFiniteError

TINY = ["model.hidden=16", "model.depth=2", "train.batch_size=32", "train.log_every=5", "train.eval_every=1000",
        "train.eval_samples=200", "train.sample_every=1000", "train.checkpoint_every=5"]


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


@pytest.mark.parametrize("objective", ["gan", "gan-minimax", "wgan", "wgan-gp"])
def test_stop_and_resume_is_bit_identical(tmp_path, objective):
    extra = ["objective.warmup_schedule=false"] if objective == "wgan" else []
    train_run(tiny_config(objective, 24, *extra), tmp_path / "straight", progress=False)
    train_run(tiny_config(objective, 11, *extra), tmp_path / "resumed", progress=False)  # stops at 11
    train_run(tiny_config(objective, 24, *extra), tmp_path / "resumed", resume=True, progress=False)
    assert_identical(tmp_path / "straight", tmp_path / "resumed")
    steps = [json.loads(line)["step"] for line in (tmp_path / "resumed" / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(set(steps)) and steps[-1] == 24  # no duplicated or lost log lines


def test_wgan_warmup_schedule_position_survives_resume(tmp_path):
    # Stop inside the 100-critic-step warm-up (the first 25 G steps) and resume across its end.
    train_run(tiny_config("wgan", 28), tmp_path / "straight", progress=False)
    train_run(tiny_config("wgan", 13), tmp_path / "resumed", progress=False)
    train_run(tiny_config("wgan", 28), tmp_path / "resumed", resume=True, progress=False)
    assert_identical(tmp_path / "straight", tmp_path / "resumed")
    assert load_checkpoint(tmp_path / "resumed" / "checkpoints" / "final.pt")["trainer"]["d_step"] == 25 * 100 + 3 * 5


def _spawn(run: Path, steps: int) -> subprocess.Popen:
    args = [sys.executable, "-m", "gandojo", "train", "--objective", "gan", "--steps", str(steps),
            "--out", str(run), "--quiet", *TINY]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_sigkill_mid_run_then_resume_is_bit_identical(tmp_path):
    run = tmp_path / "killed"
    proc = _spawn(run, 100000)
    _wait_for(run / "checkpoints" / "step_0000020.pt", proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert main(["train", "--resume", str(run), "--steps", "60", "--quiet"]) == 0
    train_run(tiny_config("gan", 60), tmp_path / "straight", progress=False)
    assert_identical(tmp_path / "straight", run)


def test_ctrl_c_checkpoints_at_a_step_boundary_and_exits_130(tmp_path):
    run = tmp_path / "interrupted"
    proc = _spawn(run, 100000)
    _wait_for(run / "checkpoints" / "step_0000010.pt", proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "--resume" in err
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    stopped_at = summary["steps"]
    assert (run / "checkpoints" / f"step_{stopped_at:07d}.pt").is_file()
    assert main(["train", "--resume", str(run), "--steps", str(stopped_at + 7), "--quiet"]) == 0
    train_run(tiny_config("gan", stopped_at + 7), tmp_path / "straight", progress=False)
    assert_identical(tmp_path / "straight", run)


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_corrupt_checkpoint_is_named_and_resume_falls_back(tmp_path, capsys, damage):
    run = tmp_path / "run"
    train_run(tiny_config("gan", 20), run, progress=False)
    final = run / "checkpoints" / "final.pt"
    data = bytearray(final.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        for i in range(len(data) // 3, len(data) // 3 + 64):
            data[i] ^= 0xFF
    # final.pt is also last-good.pt (a hard link): break the link first so only final.pt is damaged.
    final.unlink()
    final.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="final.pt"):
        load_checkpoint(final)
    assert main(["train", "--resume", str(run), "--steps", "30", "--quiet"]) == 0
    assert "final.pt" in capsys.readouterr().err  # said which file was skipped
    train_run(tiny_config("gan", 30), tmp_path / "straight", progress=False)
    assert_identical(tmp_path / "straight", run)


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


def test_checkpoint_writes_are_atomic(tmp_path, monkeypatch):
    """A crash while writing leaves the previous checkpoint whole and no partial file under the real name."""
    from gandojo import checkpoint as ckpt

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
