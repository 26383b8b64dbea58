"""CLI smoke runs on tiny budgets, and clean one-line errors (exit code 2) for bad input."""

import json
import math

import numpy as np
import pytest
import yaml

from gandojo.cli import main

FAST = ["train.log_every=5", "train.eval_every=10", "train.sample_every=10", "train.checkpoint_every=10",
        "train.eval_samples=500", "train.batch_size=64", "model.hidden=32"]


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("runs") / "ring"
    assert main(["train", "--data", "ring8", "--steps", "30", "--out", str(run), "--quiet", *FAST]) == 0
    return run


def test_run_folder_is_complete_and_well_formed(ring_run):
    for name in ("config.yaml", "metrics.jsonl", "summary.json", "losses.png", "checkpoints/final.pt", "report.html"):
        assert (ring_run / name).is_file(), name
    config = yaml.safe_load((ring_run / "config.yaml").read_text())
    assert config["train"]["steps"] == 30 and config["optim"]["name"] == "adam"  # resolved, not null
    records = [json.loads(line) for line in (ring_run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records][:3] == [1, 5, 10] and records[-1]["step"] == 30
    assert {"loss_d", "loss_g", "value", "d_real", "d_fake"} <= set(records[0])
    assert records[-1]["modes_total"] == 8 and "w_exact" in records[-1]
    summary = json.loads((ring_run / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["steps"] == 30
    assert sorted(p.name for p in (ring_run / "samples").iterdir()) == [
        "evolution.gif", "step_000010.png", "step_000020.png", "step_000030.png"]


def test_evaluate_json_has_contract_keys(ring_run, capsys):
    assert main(["evaluate", str(ring_run), "--samples", "400", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"modes_covered", "modes_total", "high_quality", "reverse_kl", "per_mode", "wasserstein"} <= set(result)
    assert result["samples"] == 400 and len(result["per_mode"]) == 8
    hq = round(result["high_quality"] * 400)
    assert result["high_quality"] == hq / 400  # a share of the 400 samples scored
    generated = [shares["generated"] for shares in result["per_mode"].values()]
    assert result["modes_covered"] == sum(g > 0 for g in generated)
    assert sum(generated) == pytest.approx(1.0 if hq else 0.0)


def test_evaluate_repeats_the_final_evaluation_by_default(ring_run, capsys):
    """Same samples (the run's evaluation streams, the same count) as the last evaluation of training."""
    assert main(["evaluate", str(ring_run), "--samples", "500", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    scored = result.pop("scored")
    final = json.loads((ring_run / "summary.json").read_text())["evaluation"]
    assert result == final
    assert scored == {"source": str(ring_run / "checkpoints" / "final.pt"), "step": 30, "samples": 500,
                      "seed": None, "streams_of_seed": 0}
    assert main(["evaluate", str(ring_run), "--samples", "500"]) == 0
    assert f"scored 500 samples of {ring_run / 'checkpoints' / 'final.pt'} (step 30), the run's own evaluation " \
           "streams (seed 0), as its final evaluation" in capsys.readouterr().out
    assert main(["evaluate", str(ring_run), "--samples", "500", "--json", "--seed", "7"]) == 0
    assert json.loads(capsys.readouterr().out)["wasserstein"] != final["wasserstein"]


def test_evaluate_prints_table(ring_run, capsys):
    assert main(["evaluate", str(ring_run), "--samples", "400"]) == 0
    out = capsys.readouterr().out
    assert "mode" in out and "modes covered" in out and "Wasserstein-1" in out


def test_sample_export_and_sample_from_safetensors(ring_run, tmp_path):
    assert main(["sample", str(ring_run), "-n", "50", "--out", str(tmp_path / "s.npy")]) == 0
    assert np.load(tmp_path / "s.npy").shape == (50, 2)
    assert main(["sample", str(ring_run), "-n", "20", "--out", str(tmp_path / "s.csv")]) == 0
    assert np.loadtxt(tmp_path / "s.csv", delimiter=",").shape == (20, 2)
    assert main(["export", str(ring_run), "--out", str(tmp_path / "g.safetensors")]) == 0
    assert main(["sample", str(tmp_path / "g.safetensors"), "-n", "50", "--out", str(tmp_path / "t.npy")]) == 0
    assert np.allclose(np.load(tmp_path / "s.npy"), np.load(tmp_path / "t.npy"))  # same generator, same seed


def test_train_on_user_npy(tmp_path):
    points = np.random.default_rng(0).normal(size=(300, 3)).astype(np.float32)
    np.save(tmp_path / "pts.npy", points)
    run = tmp_path / "run"
    assert main(["train", "--data", str(tmp_path / "pts.npy"), "--steps", "12", "--out", str(run), "--quiet",
                 *FAST]) == 0
    summary = json.loads((run / "summary.json").read_text())
    assert (summary["status"], summary["steps"]) == ("finished", 12)
    assert math.isfinite(summary["evaluation"]["wasserstein"]) and "modes_covered" not in summary["evaluation"]
    assert main(["sample", str(run), "-n", "7", "--out", str(tmp_path / "s.npy")]) == 0
    assert np.load(tmp_path / "s.npy").shape == (7, 3)  # a generator of 3-D points


def test_data_smaller_than_a_batch_trains_with_the_batch_clamped(tmp_path, capsys):
    np.save(tmp_path / "few.npy", np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32))
    run = tmp_path / "run"
    assert main(["train", "--data", str(tmp_path / "few.npy"), "--steps", "3", "--out", str(run), "--quiet",
                 "train.batch_size=256"]) == 0
    assert "40 samples, fewer than train.batch_size=256: training with batches of 40" in capsys.readouterr().err
    assert yaml.safe_load((run / "config.yaml").read_text())["train"]["batch_size"] == 40
    assert any("batches of 40" in note for note in json.loads((run / "summary.json").read_text())["notes"])


def test_dry_run_prints_resolved_config(capsys):
    assert main(["train", "--objective", "wgan-gp", "--model", "dcgan", "--data", "digits", "--dry-run"]) == 0
    config = yaml.safe_load(capsys.readouterr().out)
    optim = {k: config["optim"][k] for k in ("name", "lr", "betas", "momentum")}
    assert optim == {"name": "adam", "lr": 0.0001, "betas": [0.0, 0.9], "momentum": 0.0}
    assert config["objective"]["n_critic"] == 5 and config["objective"]["gp_lambda"] == 10.0


@pytest.mark.parametrize("data", ["ring8", "grid25"])
def test_dry_run_shows_the_toy_defaults_for_points_and_why(capsys, data):
    """2-D points with wgan-gp take the WGAN-GP toy code's settings, not the paper's λ = 10 for images."""
    assert main(["train", "--data", data, "--objective", "wgan-gp", "--dry-run"]) == 0
    out = capsys.readouterr().out
    config = yaml.safe_load(out)
    assert config["objective"]["gp_lambda"] == 0.1 and config["optim"]["betas"] == [0.5, 0.9]
    assert config["model"]["hidden"] == 256
    assert "# default: objective.gp_lambda = 0.1: the WGAN-GP toy code's λ" in out


def test_existing_run_folder_is_not_overwritten(ring_run, capsys):
    assert main(["train", "--steps", "5", "--out", str(ring_run), "--quiet"]) == 2
    assert "already holds a run" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["train", "--data", "nosuchdata", "--dry-run"], "unknown data set 'nosuchdata'"),
    (["train", "--steps", "-3", "--dry-run"], "train.steps"),
    (["train", "--data", "missing.npy", "--out", "{tmp}/r"], "no such file or folder: missing.npy"),
    (["train", "--data", "{tmp}/bad_shape.npy", "--out", "{tmp}/r"], "expected shape (N, D)"),
    (["train", "--data", "{tmp}/nan.npy", "--out", "{tmp}/r"], "NaN"),
    (["evaluate", "{tmp}/nothing"], "no run folder"),
    (["train", "--objective", "vae", "--dry-run"], "objective.name"),
])
def test_bad_input_one_line_exit_2(tmp_path, capsys, args, message):
    np.save(tmp_path / "bad_shape.npy", np.zeros((4, 2, 2, 2, 2)))  # 3-D and 4-D arrays are images
    bad = np.zeros((10, 2))
    bad[3, 1] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") <= 3


def test_help_lists_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("train", "evaluate", "sample", "export"):
        assert command in out


def test_usage_error_exit_2(capsys):
    assert main(["train", "--no-such-flag"]) == 2


def _readme_rows() -> dict[str, str]:
    """The README's command table: command name -> all its rows' text."""
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    rows: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("| `gandojo "):
            name = line.split()[2].rstrip("`")
            rows[name] = rows.get(name, "") + line
    return rows


def test_readme_command_table_lists_every_option():
    import typer.main

    from gandojo.cli import app

    rows = _readme_rows()
    for name, command in typer.main.get_command(app).commands.items():
        assert name in rows, f"the README's command table has no row for `gandojo {name}`"
        missing = [o for p in command.params for o in p.opts if o.startswith("-") and o not in rows[name]]
        assert not missing, f"`gandojo {name}` options missing from the README's table: {missing}"


def _gandojo(*args, cwd=None):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "gandojo", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_errors_are_one_unwrapped_line_when_piped():
    proc = _gandojo("train", "lr=1e-3", "--dry-run")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and len(proc.stderr) > 90  # one line, longer than a terminal's 80
    assert proc.stderr.startswith("error: override 'lr=1e-3'") and "did you mean optim.lr?" in proc.stderr


def test_a_corrupt_image_is_one_plain_warning_line(tmp_path):
    from PIL import Image

    folder = tmp_path / "pics"
    folder.mkdir()
    for i in range(6):
        Image.fromarray(np.full((8, 8, 3), 40 * i, dtype=np.uint8)).save(folder / f"p{i}.png")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 truncated")
    proc = _gandojo("train", "--model", "dcgan", "--data", str(folder), "--steps", "1", "--out", str(tmp_path / "r"),
                    "--quiet", "data.image_size=8", "train.batch_size=4", "model.width=4", "model.latent_dim=4")
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "skipped 1 of 7" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: ")
    assert "UserWarning" not in proc.stderr and "warnings.warn" not in proc.stderr


def test_the_command_line_starts_without_the_heavy_libraries():
    import subprocess
    import sys

    code = ("import sys, gandojo, gandojo.cli; "
            "print([m for m in ('torch', 'ot', 'matplotlib', 'scipy', 'sklearn', 'numpy') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert out.strip() == "[]"


def test_without_preset_or_objective_the_best_recipe_for_the_data_kind(capsys):
    assert main(["train", "--data", "grid25", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "data:" and "# preset: best-points, the best recipe" in out
    config = yaml.safe_load(out)
    assert config["train"]["ema"] == 0.999 and config["optim"]["lr_decay"] == "linear"
    assert main(["train", "--data", "digits", "--dry-run"]) == 0
    assert "# preset: best-images" in capsys.readouterr().out
    assert main(["train", "--data", "grid25", "--objective", "gan", "--dry-run"]) == 0
    classic = yaml.safe_load(capsys.readouterr().out)
    assert classic["train"]["ema"] == 0.0 and classic["optim"]["lr"] == 0.0002  # the paper's GAN


def test_compare_trains_each_objective_and_seed_once(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", "--data", "ring8", "--objectives", "gan,best", "--seeds", "2", "--budget", "6steps",
            "--out", str(out), "--json"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert [row["objective"] for row in result["rows"]] == ["gan", "best"]
    assert all(row["seeds"] == 2 and row["steps"] == 6 for row in result["rows"])
    assert result["benchmark"] == "modes" and len(result["rows"][0]["modes_covered"]) == 2  # mean, std
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert len(folders) == 4 and (out / "comparison.png").stat().st_size > 10_000
    stamps = {f: (out / f / "summary.json").stat().st_mtime_ns for f in folders}
    assert main(args[:-1]) == 0  # again, as a table: nothing is trained twice
    text = capsys.readouterr()
    assert "already trained" in text.err + text.out and "reverse KL" in text.out
    assert stamps == {f: (out / f / "summary.json").stat().st_mtime_ns for f in folders}


def test_compare_with_a_time_budget_trains_nothing_on_a_rerun(tmp_path, capsys):
    """A time budget is probed into steps once (budgets.json); a rerun finds the same folders, even when this
    machine is now faster or slower."""
    out = tmp_path / "cmp"
    args = ["compare", "--data", "ring8", "--objectives", "gan", "--seeds", "1", "--budget", "1s", "--out", str(out)]
    assert main(args) == 0
    first = capsys.readouterr()
    assert "training" in first.err + first.out
    probed = json.loads((out / "budgets.json").read_text())
    assert len(probed) == 1 and next(iter(probed.values())) >= 1
    assert main(args) == 0
    again = capsys.readouterr()
    assert "already trained" in again.err + again.out and "training" not in again.err + again.out


@pytest.mark.parametrize("objective", ["lsgan", "hinge"])
def test_the_new_objectives_train_from_the_command_line(tmp_path, objective, capsys):
    run = tmp_path / objective
    assert main(["train", "--objective", objective, "--steps", "12", "--out", str(run), "--quiet", *FAST]) == 0
    config = yaml.safe_load((run / "config.yaml").read_text())
    assert config["objective"]["name"] == objective and config["optim"]["name"] == "adam"
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert "value" not in records[0] and {"d_real", "d_fake", "loss_d", "loss_g"} <= set(records[0])
    assert json.loads((run / "summary.json").read_text())["status"] == "finished"


def test_every_objective_is_in_the_help_and_in_compare(tmp_path, capsys):
    from gandojo.objectives import OBJECTIVES

    assert main(["train", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split()).replace("- ", "-")  # words the help wrapped at a hyphen
    assert all(name in help_text for name in OBJECTIVES)
    assert main(["objectives"]) == 0
    listed = capsys.readouterr().out
    assert "Mao et al. 2017" in listed and "Miyato et al. 2018" in listed
    out = tmp_path / "cmp"
    assert main(["compare", "--data", "ring8", "--objectives", "lsgan,hinge", "--seeds", "1", "--budget", "4steps",
                 "--out", str(out), "--json"]) == 0
    assert [row["objective"] for row in json.loads(capsys.readouterr().out)["rows"]] == ["lsgan", "hinge"]
