"""Health warnings: each classic failure pattern is named once, only where it applies, and reaches the user."""

import json

import pytest

from gandojo.cli import main
from gandojo.health import HealthMonitor


@pytest.mark.parametrize("objective, record, words", [
    ("gan", {"loss_d": 0.01}, "discriminator loss is near 0"),
    ("gan-minimax", {"loss_g": 12.0}, "generator loss is exploding"),
    ("wgan", {"clip_fraction": 0.95}, "sit at the clip bound"),
])
def test_each_warning_fires_once(objective, record, words):
    monitor = HealthMonitor(objective)
    first = monitor.check({"step": 100, **record})
    assert len(first) == 1 and first[0].startswith("step 100: ") and words in first[0]
    assert monitor.check({"step": 200, **record}) == []  # said once per run
    assert monitor.messages == first


@pytest.mark.parametrize("objective, record", [
    ("gan", {"loss_d": 0.2, "loss_g": 9.0, "clip_fraction": 0.5}),  # healthy values
    ("wgan", {"loss_d": -3.0, "loss_g": 25.0}),  # critic losses are not log-losses: no threshold applies
    ("wgan-gp", {"loss_d": 0.01}),
])
def test_no_warning_where_the_pattern_does_not_apply(objective, record):
    assert HealthMonitor(objective).check({"step": 10, **record}) == []


def test_falling_coverage_warns_when_half_the_best_is_lost():
    monitor = HealthMonitor("gan")
    assert monitor.check({"step": 250, "modes_covered": 8, "modes_total": 8}) == []
    assert monitor.check({"step": 500, "modes_covered": 5, "modes_total": 8}) == []  # lost 3 of 8: not yet
    (warning,) = monitor.check({"step": 750, "modes_covered": 4, "modes_total": 8})
    assert "mode coverage fell from 8 to 4 of 8" in warning and warning.startswith("step 750")


def test_state_round_trip_keeps_warnings_said_once():
    monitor = HealthMonitor("gan")
    monitor.check({"step": 250, "modes_covered": 8, "modes_total": 8, "loss_d": 0.01})
    resumed = HealthMonitor("gan")
    resumed.load_state_dict(json.loads(json.dumps(monitor.state_dict())))
    assert resumed.check({"step": 300, "loss_d": 0.01}) == []
    assert resumed.messages == monitor.messages and resumed.best_modes == 8
    assert len(resumed.check({"step": 500, "modes_covered": 3, "modes_total": 8})) == 1


def test_a_warning_reaches_the_terminal_and_the_summary(tmp_path, capsys):
    """A real WGAN run: PyTorch's initial weights are far outside ±0.01, so after the first critic steps
    nearly all of them sit at the bound, which the run must say and keep."""
    run = tmp_path / "wgan"
    assert main(["train", "--objective", "wgan", "--steps", "3", "--out", str(run), "--quiet",
                 "objective.warmup_schedule=false", "model.hidden=32", "train.batch_size=32", "train.log_every=1",
                 "train.eval_samples=200"]) == 0
    err = capsys.readouterr().err
    assert "warning: step 1:" in err and "clip bound" in err
    warnings = json.loads((run / "summary.json").read_text())["warnings"]
    assert len(warnings) == 1 and "clip bound" in warnings[0]
