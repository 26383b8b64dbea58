"""What the operating system does to a run: SIGTERM and SIGHUP, a second writer on the same folder, a full disk or
a read-only file system, and SIGKILL at random moments. Each must stop the run cleanly (or refuse to start) and
lose nothing a resume cannot give back bit for bit.

The signal tests use a real child process paused in the middle of a chosen step (tests/child_run.py); the full
disk is injected where bytes reach a file (``gandojo.atomic._write_all``) and, where the tests run as root, is a
real small tmpfs.
"""

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

import gandojo.atomic as atomic
import gandojo.objectives as objectives
from gandojo.cli import main
from gandojo.runs.checkpoint import load_checkpoint
from gandojo.runs.runner import train_run
from run_helpers import (
    CHILD,
    TINY,
    StepCounter,
    assert_identical,
    assert_same_log,
    default_stop_signals,
    resume_and_check,
    spawn_paused,
    tiny_config,
)
from test_run_folder import fingerprint


def newest_step(run: Path) -> int:
    return int(load_checkpoint(run / "checkpoints" / "last-good.pt")["trainer"]["g_step"])


def temporary_files(run: Path) -> list[str]:
    return [str(p) for p in run.rglob("*.tmp")]


# --- SIGTERM and SIGHUP stop like Ctrl-C ------------------------------------------------------------------

@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_checkpoints_at_a_step_boundary_and_exits_128_plus_the_signal(tmp_path, monkeypatch, straight_gan,
                                                                               signum):
    run = tmp_path / "terminated"
    proc, go = spawn_paused(run, 12)
    proc.send_signal(signum)  # arrives mid-step 12 (what Slurm, docker or systemd send); the step then finishes
    go.write_text("")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, err
    assert f"terminated by {signal.Signals(signum).name}: a checkpoint was written at step 12" in err
    assert f"--resume {run}" in err and "Traceback" not in err
    summary = json.loads((run / "summary.json").read_text())
    assert (summary["status"], summary["steps"], summary["signal"]) == ("terminated", 12, signal.Signals(signum).name)
    assert int(load_checkpoint(run / "checkpoints" / "step_0000012.pt")["trainer"]["g_step"]) == 12
    assert (run / "report.html").is_file()
    resume_and_check(monkeypatch, run, straight_gan, 12)


def raise_signals_at(monkeypatch, step: int, *signums: int):
    """Send these signals to this process, one after the other, during generator step ``step``."""
    spec = objectives.OBJECTIVES["gan"]
    calls = {"n": 0}

    def g_loss(d_fake):
        calls["n"] += 1
        loss = spec.g_loss(d_fake)
        if calls["n"] == step:
            for signum in signums:
                signal.raise_signal(signum)  # the handler runs before raise_signal returns
        return loss

    monkeypatch.setitem(objectives.OBJECTIVES, "gan", replace(spec, g_loss=g_loss))


def test_a_sighup_ignored_as_under_nohup_stays_ignored(tmp_path):
    def nohup() -> None:
        default_stop_signals()
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    run = tmp_path / "nohup"
    proc, go = spawn_paused(run, 12, steps=20, preexec_fn=nohup)
    proc.send_signal(signal.SIGHUP)  # the terminal went away; nohup said to carry on
    go.write_text("")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert json.loads((run / "summary.json").read_text())["status"] == "finished"


def test_a_second_sigterm_stops_at_once(tmp_path, monkeypatch, capsys):
    raise_signals_at(monkeypatch, 12, signal.SIGTERM, signal.SIGTERM)
    run = tmp_path / "run"
    assert main(["train", "--steps", "40", "--out", str(run), "--quiet", *TINY]) == 143
    err = capsys.readouterr().err
    assert ("terminated by SIGTERM at once: no checkpoint of the unfinished step; the newest checkpoint is step 10"
            in err)
    summary = json.loads((run / "summary.json").read_text())
    assert (summary["status"], summary["steps"]) == ("terminated", 11)  # step 12 never finished
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["last-good.pt", "step_0000005.pt",
                                                                       "step_0000010.pt"]


def test_compare_stops_its_current_run_and_a_rerun_continues_it(tmp_path, monkeypatch, capsys):
    out = tmp_path / "cmp"
    args = ["compare", "--data", "ring8", "--objectives", "gan", "--seeds", "2", "--budget", "20steps", "--out",
            str(out)]
    raise_signals_at(monkeypatch, 20 + 7, signal.SIGTERM)  # step 7 of the second run
    assert main(args) == 143
    assert "run the same gandojo compare command again to continue" in capsys.readouterr().err
    first, second = sorted(p for p in out.iterdir() if p.is_dir())
    assert json.loads((first / "summary.json").read_text())["status"] == "finished"
    assert json.loads((second / "summary.json").read_text())[("status")] == "terminated"
    assert not (out / "comparison.json").exists()
    monkeypatch.undo()
    counter = StepCounter(monkeypatch)
    assert main(args) == 0
    assert counter.steps == 20 - 7  # the first run is reused, the second resumed from its step-7 checkpoint
    assert json.loads((second / "summary.json").read_text())["steps"] == 20


# --- one writer per run folder -------------------------------------------------------------------------------

def test_a_second_writer_is_refused_and_readers_keep_working(tmp_path, capsys):
    run = tmp_path / "busy"
    proc, go = spawn_paused(run, 12)  # a real training process, holding the folder
    try:
        before = fingerprint(run)
        assert main(["train", "--resume", str(run), "--steps", "60"]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {run} is being written by another gandojo process (pid {proc.pid}, started ")
        assert err.rstrip().endswith("wait for it or stop it") and err.count("\n") == 1
        assert main(["compare", "--data", "ring8", "--objectives", "gan", "--seeds", "1", "--budget", "5steps",
                     "--out", str(run)]) == 2
        assert "is being written by another gandojo process" in capsys.readouterr().err
        assert fingerprint(run) == before  # the folder untouched
        # readers work on the folder in training: the newest complete checkpoint is step 10
        assert main(["evaluate", str(run), "--samples", "300", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["scored"]["step"] == 10
        assert main(["sample", str(run), "-n", "5", "--out", str(tmp_path / "s.npy")]) == 0
        assert main(["export", str(run), "--out", str(tmp_path / "g.safetensors")]) == 0
        assert main(["report", str(run)]) == 0
    finally:
        go.write_text("")
        proc.communicate(timeout=120)
    assert proc.returncode == 0
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(set(steps)) and steps[-1] == 40  # one writer: no duplicate or out-of-order line


def test_two_trainings_started_together_on_one_folder_one_is_refused(tmp_path):
    """Two real processes race for the same new folder: exactly one trains, the other gets the one-line refusal."""
    run = tmp_path / "race"
    marker = tmp_path / "m{n}"
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, str(CHILD), "5", str(marker).format(n=n), str(go), "--", "train",
                               "--objective", "gan", "--steps", "10", "--out", str(run), "--quiet", *TINY],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in (0, 1)]
    # the winner pauses at step 5 holding the lock; the loser ends with exit 2 meanwhile
    deadline = time.monotonic() + 120
    while not any(Path(str(marker).format(n=n)).exists() for n in (0, 1)) or all(p.poll() is None for p in procs):
        assert time.monotonic() < deadline, "neither process got to step 5 with the other one ended"
        time.sleep(0.02)
    go.write_text("")
    results = [p.communicate(timeout=120) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], results
    loser = results[[p.returncode for p in procs].index(2)][1]
    assert "is being written by another gandojo process" in loser or "already holds a run" in loser
    assert json.loads((run / "summary.json").read_text())["steps"] == 10


# --- a full disk, a read-only file system -------------------------------------------------------------------

class FullDisk:
    """``ENOSPC`` for writes to files whose name starts with ``name`` (the temporary file of an atomic write is
    ``.NAME.xxxx.tmp``); with ``stays_full`` every later write fails too, as on a disk that stays full."""

    def __init__(self, monkeypatch, name: str, *, stays_full: bool = False):
        self.name, self.stays_full, self.full = name, stays_full, False
        original = atomic._write_all

        def write_all(fd, data):
            target = Path(os.readlink(f"/proc/self/fd/{fd}")).name.lstrip(".")
            if self.full or target.startswith(self.name):
                self.full = self.stays_full
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            original(fd, data)

        monkeypatch.setattr(atomic, "_write_all", write_all)


@pytest.mark.parametrize("stays_full", [False, True])
def test_a_full_disk_is_one_line_and_a_resume_continues_bit_exactly(tmp_path, monkeypatch, capsys, straight_gan,
                                                                    stays_full):
    run = tmp_path / "full"
    with monkeypatch.context() as patch:
        FullDisk(patch, "step_0000010.pt", stays_full=stays_full)
        assert main(["train", "--objective", "gan", "--steps", "40", "--out", str(run), "--quiet", *TINY]) == 1
    err = capsys.readouterr().err
    line = [x for x in err.splitlines() if x.startswith("error: ")]
    assert len(line) == 1 and "Traceback" not in err
    assert line[0].startswith(f"error: no space left on device writing {run / 'checkpoints' / 'step_0000010.pt'} (")
    could_not = "; summary.json and failure.json could not be written either" if stays_full else ""
    assert line[0].endswith(f" kB); the last good checkpoint is step 5{could_not}; free space, then gandojo train "
                            f"--resume {run}")
    assert temporary_files(run) == []  # no partial or temporary file
    assert newest_step(run) == 5 and not (run / "checkpoints" / "step_0000010.pt").exists()
    if stays_full:
        assert not (run / "summary.json").exists() and not (run / "failure.json").exists()
    else:
        failure = json.loads((run / "failure.json").read_text())
        assert failure["what"] == f"writing {run / 'checkpoints' / 'step_0000010.pt'}"
        assert (failure["reason"], failure["last_good_step"]) == ("no space left on device", 5)
        assert json.loads((run / "summary.json").read_text())["status"] == "failed"
    resume_and_check(monkeypatch, run, straight_gan, 5)  # space freed: continues from step 5, bit for bit
    assert not (run / "failure.json").exists()


def test_a_full_disk_leaves_no_torn_log_line(tmp_path, monkeypatch, capsys, straight_gan):
    run = tmp_path / "log"
    with monkeypatch.context() as patch:
        calls = {"n": 0}
        original = atomic._write_all

        def write_all(fd, data):  # the log line of step 15: half of it reaches the file, then the disk is full
            if Path(os.readlink(f"/proc/self/fd/{fd}")).name == "metrics.jsonl" and b'"step": 15,' in bytes(data):
                calls["n"] += 1
                os.write(fd, bytes(data)[: len(data) // 2])
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            original(fd, data)

        patch.setattr(atomic, "_write_all", write_all)
        assert main(["train", "--objective", "gan", "--steps", "40", "--out", str(run), "--quiet", *TINY]) == 1
    assert calls["n"] == 1
    assert f"no space left on device writing {run / 'metrics.jsonl'}" in capsys.readouterr().err
    lines = (run / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["step"] for x in lines] == [1, 5, 10]  # no torn line
    resume_and_check(monkeypatch, run, straight_gan, 10)


@pytest.mark.parametrize("name", ["step_000010.png", "report.html", "losses.png"])
def test_a_picture_or_the_report_that_cannot_be_written_is_a_warning(tmp_path, monkeypatch, capsys, name):
    FullDisk(monkeypatch, name)
    run = tmp_path / "pictures"
    assert main(["train", "--objective", "gan", "--steps", "20", "--out", str(run), "--quiet", *TINY,
                 "train.sample_every=10"]) == 0
    err = capsys.readouterr().err
    assert f"no space left on device writing {run}" in err and name in err and "warning: " in err
    assert json.loads((run / "summary.json").read_text())["status"] == "finished"
    assert not (run / "samples" / name).exists() and not (run / name).exists()
    assert temporary_files(run) == []


def _mount(args: list[str]) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def small_tmpfs(tmp_path):
    """A real 400 kB file system (tmpfs), mounted where the tests run as root."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if os.geteuid() != 0 or not _mount(["-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mnt)]):
        pytest.skip("needs root and mount (a real tmpfs); the injected ENOSPC tests cover the same paths")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_real_full_file_system_then_a_read_only_one(small_tmpfs, monkeypatch, capsys, straight_gan):
    run = small_tmpfs / "run"
    # keep every checkpoint: the disk fills up at some step (each checkpoint is about 50 kB)
    args = ["train", "--objective", "gan", "--steps", "40", "--out", str(run), "--quiet", *TINY,
            "train.keep_checkpoints=100"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "error: no space left on device writing " in err and "Traceback" not in err
    saved = newest_step(run)
    assert f"the last good checkpoint is step {saved}" in err and saved >= 5
    assert temporary_files(run) == []
    # read-only: a resume says so in one line and writes nothing
    assert _mount(["-o", "remount,ro", str(small_tmpfs)])
    assert main(["train", "--resume", str(run)]) == 1
    assert f"error: read-only file system writing {run / '.lock'}" in capsys.readouterr().err
    assert _mount(["-o", "remount,rw,size=8m", str(small_tmpfs)])  # space freed
    resume_and_check(monkeypatch, run, straight_gan, saved)


# --- a kill storm ---------------------------------------------------------------------------------------------

# a log line every step and a checkpoint every third: most kills leave log lines past the newest checkpoint
STORM = [*TINY, "train.checkpoint_every=3", "train.log_every=1", "train.eval_every=10", "train.sample_every=30"]


def test_a_kill_storm_ends_where_a_straight_run_ends(tmp_path, monkeypatch):
    """SIGKILL one training process at 10 random moments (a random step, then a random few milliseconds into the
    work that follows: the step, a log line, a checkpoint being written), resuming after each; the run ends with
    the parameters and the log of a straight run."""
    straight, run = tmp_path / "straight", tmp_path / "storm"
    train_run(tiny_config("gan", 120, *STORM[len(TINY):]), straight, progress=False)
    rng = random.Random(19)
    server = subprocess.Popen([sys.executable, str(CHILD), "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    started = time.monotonic()
    try:
        for kill in range(10):
            marker, go = tmp_path / f"paused{kill}", tmp_path / f"go{kill}"
            args = (["train", "--resume", str(run), "--quiet"] if (run / "config.yaml").exists() else
                    ["train", "--objective", "gan", "--steps", "120", "--out", str(run), "--quiet", *STORM])
            request = {"step": rng.randint(1, 3), "marker": str(marker), "go": str(go), "args": args}
            server.stdin.write(json.dumps(request) + "\n")
            server.stdin.flush()
            pid = json.loads(server.stdout.readline())["pid"]
            while not marker.exists():
                assert time.monotonic() - started < 180, "the kill storm took too long"
                time.sleep(0.005)
            go.write_text("")
            time.sleep(rng.uniform(0, 0.015))  # where it dies does not matter: anywhere must be survived
            os.kill(pid, signal.SIGKILL)
            assert json.loads(server.stdout.readline())["code"] == -signal.SIGKILL, f"kill {kill} came too late"
    finally:
        server.stdin.close()
        server.wait(timeout=60)
    assert main(["train", "--resume", str(run), "--quiet"]) == 0
    assert json.loads((run / "summary.json").read_text())["steps"] == 120
    assert_identical(straight, run)
    assert_same_log(straight, run)
