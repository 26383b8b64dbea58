"""WGAN and WGAN-GP end to end: the logged keys, and WGAN-GP covering every ring8 mode."""

import json

import pytest

from gandojo.cli import main

QUICK = ["train.log_every=5", "train.eval_every=10", "train.eval_samples=500", "train.sample_every=20",
         "train.checkpoint_every=20", "train.batch_size=64", "model.hidden=32"]


def records(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("objective, own_keys", [
    ("wgan", {"clip_fraction"}),
    ("wgan-gp", {"gradient_penalty"}),
])
def test_wasserstein_runs_log_their_keys(tmp_path, objective, own_keys):
    run = tmp_path / objective
    args = ["train", "--objective", objective, "--steps", "20", "--out", str(run), "--quiet", *QUICK]
    assert main(args + ["objective.warmup_schedule=false"]) == 0
    logged = records(run)
    keys = set().union(*logged)
    assert {"w_estimate", "w_exact", "critic_grad_norm_real", "critic_grad_norm_fake"} | own_keys <= keys
    assert all(r["critic_steps"] == 5 for r in logged)
    assert (run / "losses.png").stat().st_size > 10_000


def test_wgan_warmup_schedule_in_the_log(tmp_path):
    run = tmp_path / "wgan"
    assert main(["train", "--objective", "wgan", "--steps", "3", "--out", str(run), "--quiet", *QUICK]) == 0
    assert records(run)[-1]["d_steps"] == 300  # 100 critic steps for each of the first 25 G steps


def test_wgan_gp_covers_all_ring8_modes(tmp_path):
    """Fails if the penalty or a sign were wrong: a critic without its constraint, or a generator that
    climbs the wrong way, does not spread over the ring in this budget."""
    run = tmp_path / "gp"
    assert main(["train", "--preset", "ring8-wgan-gp", "--steps", "400", "--out", str(run), "--quiet",
                 "train.eval_every=400", "train.sample_every=400", "train.checkpoint_every=400"]) == 0
    result = json.loads((run / "summary.json").read_text())["evaluation"]
    assert result["modes_covered"] == 8
    assert result["reverse_kl"] < 0.5
    assert result["wasserstein"] < 0.3
