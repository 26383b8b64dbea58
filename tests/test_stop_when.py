"""``train.stop_when`` / ``--stop-when``: a run stops cleanly at the first evaluation where every condition holds."""

import json

import numpy as np
import pytest
import yaml

from gandojo.cli import main
from gandojo.comparison import comparison_config
from gandojo.config import apply_overrides, load_preset
from gandojo.config.conditions import all_hold, parse_condition
from gandojo.runs.checkpoint import load_checkpoint
from gandojo.runs.hooks import RunHooks
from gandojo.runs.runner import train_run
from run_helpers import log_lines, tiny_config


def test_conditions_compare_a_score_with_a_number_or_a_multiple_of_another_score():
    assert parse_condition("kl<=0.1").holds({"kl": 0.1})
    assert parse_condition("kl_dependence <= 0.05").holds({"kl_dependence": 0.03})  # stacked digits' split
    assert not parse_condition("kl < 0.1").holds({"kl": 0.1})
    assert parse_condition("frechet <= 2 * frechet_floor").holds({"frechet": 12.4, "frechet_floor": 6.2})
    assert not parse_condition("frechet <= 2 * frechet_floor").holds({"frechet": 12.5, "frechet_floor": 6.2})
    assert parse_condition("modes_covered >= modes_total").holds({"modes_covered": 25, "modes_total": 25})
    assert not parse_condition("modes_covered >= modes_total").holds({"modes_covered": 24, "modes_total": 25})
    assert parse_condition("high_quality > 9.5e-1").holds({"high_quality": 0.96})
    # a score the evaluation lacks, or left empty after non-finite samples, holds nothing
    assert not parse_condition("frechet <= 100").holds({"frechet": None})
    assert not parse_condition("kl <= 1").holds({"modes_covered": 3})
    assert all_hold(("kl <= 1", "modes_covered >= 3"), {"kl": 0.5, "modes_covered": 3})
    assert not all_hold(("kl <= 1", "modes_covered >= 4"), {"kl": 0.5, "modes_covered": 3})
    assert not all_hold((), {"kl": 0.5})  # no conditions: never a reason to stop
    assert str(parse_condition("frechet<=2*frechet_floor")) == "frechet <= 2 * frechet_floor"


@pytest.mark.parametrize("text, expected", [("kl = 0.1", "KEY OP VALUE"), ("fid <= 3", "'fid' is none of them"),
                                            ("kl <= 2 * fid", "'fid' is none of them"), ("kl <=", "KEY OP VALUE")])
def test_a_wrong_condition_is_refused_with_what_is_expected(text, expected):
    with pytest.raises(ValueError, match=expected):
        apply_overrides(tiny_config("gan", 10), [f"train.stop_when={text}"])


def test_one_override_holds_several_conditions():
    config = apply_overrides(tiny_config("gan", 10), ["train.stop_when=kl <= 0.1; modes_covered >= 990"])
    assert config.train.stop_when == ("kl <= 0.1", "modes_covered >= 990")


def scripted_evaluations(monkeypatch, scores: dict[int, dict]):
    """Each evaluation returns the scores scripted for its step (the real evaluation's keys, made up values)."""
    def evaluate(self):
        return {"modes_total": 8, **scores[self.trainer.g_step]}
    monkeypatch.setattr(RunHooks, "evaluate", evaluate)


def test_the_run_stops_at_the_first_evaluation_where_every_condition_holds_and_resumes(tmp_path, monkeypatch):
    scripted_evaluations(monkeypatch, {5: {"modes_covered": 8, "kl": 0.5}, 10: {"modes_covered": 7, "kl": 0.05},
                                       15: {"modes_covered": 8, "kl": 0.05}, 20: {"modes_covered": 8, "kl": 0.04},
                                       25: {"modes_covered": 8, "kl": 0.03}, 30: {"modes_covered": 8, "kl": 0.02}})
    run = tmp_path / "run"
    summary = train_run(tiny_config("gan", 30, "train.eval_every=5", "train.sample_every=1000",
                                    "train.stop_when=modes_covered >= modes_total; kl <= 0.1"), run, progress=False)
    assert (summary["status"], summary["steps"]) == ("target reached", 15)  # not 5 (KL), not 10 (a mode short)
    assert summary["evaluation"]["kl"] == 0.05
    assert int(load_checkpoint(run / "checkpoints" / "final.pt")["trainer"]["g_step"]) == 15
    assert (run / "samples" / "step_000015.png").is_file()  # the stopping step's snapshot, like a last step's
    assert [line["step"] for line in log_lines(run) if "kl" in line] == [5, 10, 15]
    assert main(["train", "--resume", str(run), "--quiet", "train.stop_when=kl <= 0.035"]) == 0
    resumed = json.loads((run / "summary.json").read_text())
    assert (resumed["status"], resumed["steps"], resumed["new_steps"]) == ("target reached", 25, 10)


def test_conditions_that_never_hold_let_the_run_finish(tmp_path, monkeypatch):
    scripted_evaluations(monkeypatch, {step: {"modes_covered": 7} for step in (5, 10)})
    summary = train_run(tiny_config("gan", 10, "train.eval_every=5", "train.stop_when=modes_covered >= 8"),
                        tmp_path / "run", progress=False)
    assert (summary["status"], summary["steps"]) == ("finished", 10)


def test_stop_when_on_the_command_line_with_a_real_evaluation(tmp_path):
    """The real evaluation of ring8: its modes_total is 8 at the first evaluation, so the run stops there."""
    run = tmp_path / "run"
    assert main(["train", "--data", "ring8", "--objective", "gan", "--steps", "40", "--out", str(run), "--quiet",
                 "--stop-when", "modes_total >= 8", "--stop-when", "wasserstein > 0", "model.hidden=16",
                 "train.batch_size=32", "train.eval_every=10", "train.eval_samples=500"]) == 0
    summary = json.loads((run / "summary.json").read_text())
    assert (summary["status"], summary["steps"]) == ("target reached", 10)
    assert "target reached" in (run / "report.html").read_text()


def dry_run(capsys, *args) -> tuple[dict, str]:
    assert main(["train", "--dry-run", *args]) == 0
    out = capsys.readouterr().out
    return yaml.safe_load(out), out


def test_the_image_recipe_stops_at_its_benchmarks_target_and_says_so(capsys, tmp_path):
    config, out = dry_run(capsys, "--data", "digits")
    assert config["train"]["stop_when"] == ["classes_covered >= 10", "frechet <= 2 * frechet_floor"]
    assert "# default: train.stop_when = classes_covered >= 10, frechet <= 2 * frechet_floor: the digits" in out
    config, _out = dry_run(capsys, "--data", "stacked-digits")
    assert config["train"]["stop_when"] == ["modes_covered >= 990", "kl <= 0.1"]
    config, _out = dry_run(capsys, "--data", "stacked-digits", "--stop-when", "kl <= 0.5")
    assert config["train"]["stop_when"] == ["kl <= 0.5"]  # the user's conditions replace the target
    images = tmp_path / "faces.npy"
    np.save(images, np.random.default_rng(0).uniform(0, 255, (64, 16, 16)).astype(np.uint8))
    config, out = dry_run(capsys, "--data", str(images))
    assert config["train"]["stop_when"] == [] and "no benchmark scores this data" in out
    config, _out = dry_run(capsys, "--data", "grid25")  # points keep their schedule to its end
    assert config["train"]["stop_when"] == []
    config, _out = dry_run(capsys, "--data", "digits", "--preset", "digits-dcgan")
    assert config["train"]["stop_when"] == []  # the classic DCGAN trains its steps, as its paper did


def test_compare_trains_the_image_recipe_its_whole_budget():
    assert load_preset("best-images").train.stop_when is None  # the data's target, chosen when it is loaded
    assert comparison_config("stacked-digits", "best").train.stop_when == ()  # the same steps as the others
