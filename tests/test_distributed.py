"""Data-parallel training under torchrun: 2 CPU processes on gloo, started from here, each launch with a timeout.

The job's ranks are real processes (tests/ddp_worker.py, or the ``gandojo train`` command itself), so these
tests check what DDP does, not a simulation of it.
"""

from __future__ import annotations

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

from ddp_worker import STEPS, cases
from gandojo.config import resolve
from gandojo.distributed import World, local_batch
from gandojo.runs.runner import resume_run, train_run
from gandojo.train import fit
from run_helpers import CHILD, TINY, trainer_for

WORKER = Path(__file__).with_name("ddp_worker.py")
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
LAUNCH_TIMEOUT = 240  # seconds; a job that hangs fails the test instead of the suite


def launch(*args: str, timeout: float = LAUNCH_TIMEOUT) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([*TORCHRUN, *args], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def ranks(tmp_path_factory) -> list[dict]:
    """What each of two ranks holds after training every case of ddp_worker for a few steps."""
    out = tmp_path_factory.mktemp("ddp")
    done = launch(str(WORKER), str(out))
    assert done.returncode == 0, done.stderr[-3000:]
    return [torch.load(out / f"rank{r}.pt", weights_only=False) for r in range(2)]


@pytest.mark.parametrize("case", list(cases()))
def test_every_parameter_is_identical_across_ranks(ranks, case):
    for player in ("generator", "discriminator"):
        params = [r[case][player] for r in ranks]
        assert params[0].keys() == params[1].keys()
        for name, value in params[0].items():
            assert torch.equal(value, params[1][name]), f"{case} {player}.{name} differs between ranks"


@pytest.mark.parametrize("case", list(cases()))
def test_the_generator_step_leaves_the_discriminators_gradients_alone(ranks, case):
    assert all(r[case]["d_grads_untouched"] for r in ranks)


def test_batch_norm_statistics_are_never_overwritten_between_forward_passes(ranks):
    # DDP's buffer broadcast at every forward would replace rank 1's running statistics with rank 0's between
    # D's real and fake passes; gandojo turns it off, so each rank's statistics are those of its own data.
    assert [r["own_batch_statistics"] for r in ranks] == [True, True]


def test_a_ctrl_c_seen_by_one_rank_stops_every_rank_after_the_same_step(ranks):
    # Only rank 1 is asked to stop (as its Ctrl-C handler would), at the end of step 1; rank 0 knows nothing of it
    # but stops at the same step, so neither waits forever in a collective the other has left.
    assert [r["stopped_at"] for r in ranks] == [1, 1]


def test_a_sigterm_seen_by_rank_zero_alone_stops_every_rank_with_that_signal(ranks):
    assert [r["terminated_at"] for r in ranks] == [(2, signal.SIGTERM), (2, signal.SIGTERM)]


@pytest.mark.parametrize("case", ["gan", "wgan-gp"])
def test_two_processes_with_half_batches_follow_one_process_with_the_whole_batch(ranks, case):
    # Models without batch statistics: the same global batch, noise and ε, split in two, so the gradients agree up
    # to the order of floating-point sums (measured: at most 5e-7 after these steps).
    trainer = trainer_for(cases()[case])
    fit(trainer, STEPS)
    for player, module in (("generator", trainer.generator), ("discriminator", trainer.discriminator)):
        for name, value in module.named_parameters():
            torch.testing.assert_close(ranks[0][case][player][name], value.detach(), atol=1e-5, rtol=1e-4)


def test_checkpoints_move_from_one_process_to_two_and_back(tmp_path):
    config = resolve(replace(cases()["gan"], train=replace(cases()["gan"].train, steps=4, log_every=1,
                                                           eval_every=4, sample_every=4)))
    run = tmp_path / "run"
    train_run(config, run, progress=False)
    two = launch("-m", "gandojo", "train", "--resume", str(run), "--steps", "8", "--quiet")
    assert two.returncode == 0, two.stderr[-3000:]
    summary = json.loads((run / "summary.json").read_text())
    assert (summary["processes"], summary["steps"], summary["new_steps"]) == (2, 8, 4)
    back = resume_run(run, steps=12, progress=False)
    assert (back["processes"], back["steps"], back["new_steps"]) == (1, 12, 4)
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == list(range(1, 13))
    # The resumed path (1, then 2, then 1 process) ends where 12 uninterrupted steps end: it continued from the
    # saved optimizer moments and random streams, which a restart from scratch or from step 0 would not.
    straight = trainer_for(config)
    fit(straight, 12)
    resumed = torch.load(run / "checkpoints" / "final.pt", weights_only=False)["trainer"]["generator"]
    for name, value in straight.generator.state_dict().items():
        torch.testing.assert_close(resumed[name], value, atol=1e-5, rtol=1e-4)


def test_one_failing_rank_ends_the_whole_job(tmp_path):
    done = launch(str(WORKER), str(tmp_path), "--fail-rank", "1")
    assert done.returncode != 0
    assert "rank 1 fails on purpose" in done.stderr
    assert not list(tmp_path.glob("rank*.pt"))


def test_an_input_error_on_rank_zero_stops_every_rank_with_one_message(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "config.yaml").write_text("mine")
    done = launch("-m", "gandojo", "train", "--data", "ring8", "--steps", "3", "--out", str(tmp_path / "taken"))
    assert done.returncode != 0
    assert done.stderr.count("error: ") == 1, done.stderr[-3000:]
    assert "already holds a run" in done.stderr
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["config.yaml"]
    assert (tmp_path / "taken" / "config.yaml").read_text() == "mine"


def test_the_global_batch_must_split_evenly():
    assert local_batch(256, World(1, 4)) == 64
    with pytest.raises(ValueError, match="global batch.*multiple of 4"):
        local_batch(254, World(0, 4))
    with pytest.raises(ValueError, match="whole packs of 2.*multiple of 4"):
        local_batch(6, World(0, 2), pack=2)


def test_sync_batchnorm_on_cpu_is_refused_and_says_why():
    with pytest.raises(ValueError, match="sync_batchnorm needs CUDA"):
        resolve(replace(cases()["dcgan"], train=replace(cases()["dcgan"].train, sync_batchnorm=True)))


def test_every_rank_stops_together_at_rank_zeros_time_limit(tmp_path):
    done = launch("-m", "gandojo", "train", "--data", "ring8", "--objective", "gan", "--steps", "1000000",
                  "--time-limit", "3s", "--quiet", "--out", str(tmp_path / "run"))
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert (summary["status"], summary["processes"]) == ("time limit", 2)
    assert 0 < summary["steps"] < 1000000


def test_sigterm_to_torchrun_stops_every_rank_after_the_same_step_with_a_checkpoint(tmp_path):
    """torchrun stopped (as Slurm or a scheduler does) forwards SIGTERM to its workers: every rank finishes the
    same step, rank 0 checkpoints it and both exit 143."""
    run, marker, go = tmp_path / "run", tmp_path / "paused{rank}", tmp_path / "go"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    job = subprocess.Popen([*TORCHRUN, str(CHILD), "6", str(marker), str(go), "--", "train", "--objective", "gan",
                            "--steps", "400", "--out", str(run), "--quiet", *TINY], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    paused = [tmp_path / f"paused{rank}" for rank in (0, 1)]
    deadline = time.monotonic() + LAUNCH_TIMEOUT
    while not all(p.exists() for p in paused):  # both ranks mid-step 6
        if job.poll() is not None or time.monotonic() > deadline:
            job.kill()
            pytest.fail(f"the job did not reach step 6: {job.communicate()}")
        time.sleep(0.02)
    job.send_signal(signal.SIGTERM)
    go.write_text("")
    _, err = job.communicate(timeout=LAUNCH_TIMEOUT)
    codes = [int((tmp_path / f"paused{rank}.exit").read_text()) for rank in (0, 1)]
    assert codes == [143, 143], err[-3000:]
    summary = json.loads((run / "summary.json").read_text())
    assert (summary["status"], summary["signal"], summary["processes"]) == ("terminated", "SIGTERM", 2)
    step = summary["steps"]
    assert 6 <= step < 400
    assert int(torch.load(run / "checkpoints" / f"step_{step:07d}.pt", weights_only=True)["trainer"]["g_step"]) == step
