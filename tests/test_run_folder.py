"""A run folder never loses what it holds: failing commands leave it byte for byte as it was, a finished run is
not resumed into an empty summary, a failed start leaves nothing behind, and resume says what it does."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from gandojo.cli import main

FAST = ["train.log_every=5", "train.eval_every=10", "train.sample_every=10", "train.checkpoint_every=10",
        "train.eval_samples=300", "train.batch_size=32", "model.hidden=16", "model.depth=2"]


def fingerprint(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path (hard links and all)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished 20-step ring8 run."""
    run = tmp_path_factory.mktemp("runs") / "ring"
    assert main(["train", "--steps", "20", "--out", str(run), "--quiet", *FAST]) == 0
    return run


def failing_invocations(run: Path, tmp: Path) -> list[list[str]]:
    """Commands that read or write ``run`` and must fail (exit 2) without touching it."""
    return [
        ["train", "--resume", str(run)],  # already finished
        ["train", "--resume", str(run), "--steps", "10"],  # fewer steps than it has
        ["train", "--resume", str(run), "--steps", "40", "optim.lr=0.1"],  # a config change
        ["train", "--resume", str(run), "--steps", "40", "train.stepz=3"],  # a bad override
        ["train", "--out", str(run), "--steps", "5"],  # a new run into an existing folder
        ["evaluate", str(run), "--samples", "1"],
        ["evaluate", str(run), "--inception-weights", str(tmp / "none.pth")],
        ["export", str(run), "--out", str(run / "g.txt")],
        ["sample", str(run), "-n", "0", "--out", str(run / "s.npy")],
        ["sample", str(run), "-n", "5", "--out", str(run / "s.txt")],
        ["interpolate", str(run), "--out", str(run / "walk.png")],  # points: no image strips
    ]


def test_failing_commands_leave_the_run_folder_byte_identical(finished, tmp_path, capsys):
    before = fingerprint(finished)
    for args in failing_invocations(finished, tmp_path):
        assert main(args) == 2, args
        assert fingerprint(finished) == before, f"{args} changed the run folder"
        assert capsys.readouterr().err.startswith("error: "), args


def test_resuming_a_finished_run_is_refused_with_the_fix(finished, capsys):
    assert main(["train", "--resume", str(finished)]) == 2
    assert f"{finished} finished at step 20; pass --steps M (M > 20) to train further" in capsys.readouterr().err
    summary = json.loads((finished / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["evaluation"]["modes_total"] == 8


def test_a_refused_budget_does_not_rewrite_the_config(finished, capsys):
    config = (finished / "config.yaml").read_text()
    assert main(["train", "--resume", str(finished), "--steps", "10"]) == 2
    assert (finished / "config.yaml").read_text() == config
    assert main(["train", "--resume", str(finished)]) == 2  # still says what the run is, not "past --steps 10"
    assert "finished at step 20" in capsys.readouterr().err


@pytest.mark.parametrize("args", [
    ["--data", "{tmp}/missing.npy"],
    ["--data", "{tmp}/few.npy", "--model", "dcgan"],  # points cannot train a DCGAN
    ["model.hidden=-1"],
    ["--data", "{tmp}/few.csv", "train.stepz=3"],
])
def test_a_failed_start_leaves_no_run_folder(tmp_path, args):
    np.save(tmp_path / "few.npy", np.zeros((40, 2), dtype=np.float32))
    np.savetxt(tmp_path / "few.csv", np.zeros((40, 2)), delimiter=",")
    run = tmp_path / "new"
    assert main(["train", "--out", str(run), "--quiet", *(a.replace("{tmp}", str(tmp_path)) for a in args)]) == 2
    assert not run.exists()


def test_resume_says_what_it_does_and_counts_the_steps(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--steps", "20", "--out", str(run), "--quiet", *FAST]) == 0
    assert "(20 new steps, 20 in all, " in capsys.readouterr().out
    assert main(["train", "--resume", str(run), "--steps", "30"]) == 0
    out = capsys.readouterr().out
    assert f"resuming {run} from step 20 (checkpoints/final.pt)" in out
    assert "(10 new steps, 30 in all, " in out


def test_a_missing_path_is_named_as_a_path(tmp_path, capsys):
    assert main(["train", "--data", str(tmp_path / "pictures"), "--dry-run"]) == 2
    assert f"error: no such file or folder: {tmp_path / 'pictures'}" in capsys.readouterr().err


@pytest.mark.parametrize("args, hint", [
    (["train", "--preset", "ring8-gn", "--dry-run"], "did you mean ring8-gan?"),
    (["train", "--data", "rign8", "--dry-run"], "did you mean ring8?"),
    (["train", "lr=1e-3", "--dry-run"], "did you mean optim.lr?"),
    (["train", "train.step=3", "--dry-run"], "did you mean train.steps?"),
])
def test_did_you_mean(capsys, args, hint):
    assert main(args) == 2
    assert hint in capsys.readouterr().err


def test_a_csv_header_is_skipped_and_said(tmp_path, capsys):
    rows = "\n".join(f"{x},{y}" for x, y in np.random.default_rng(0).normal(size=(60, 2)))
    (tmp_path / "points.csv").write_text("x,y\n" + rows + "\n")
    run = tmp_path / "run"
    assert main(["train", "--data", str(tmp_path / "points.csv"), "--steps", "3", "--out", str(run), *FAST]) == 0
    assert "points.csv: skipped the header row (x,y)" in capsys.readouterr().out


def test_three_columns_train_as_3d_points_and_say_so(tmp_path, capsys):
    np.save(tmp_path / "p3.npy", np.random.default_rng(0).normal(size=(80, 3)).astype(np.float32))
    run = tmp_path / "run"
    assert main(["train", "--data", str(tmp_path / "p3.npy"), "--steps", "3", "--out", str(run), *FAST]) == 0
    assert "p3.npy: 3-D points; the snapshots show dimensions 1 and 2" in capsys.readouterr().out
    assert main(["sample", str(run), "-n", "4", "--out", str(tmp_path / "s.npy")]) == 0
    assert np.load(tmp_path / "s.npy").shape == (4, 3)


def test_the_bundled_digits_say_what_the_loader_did(tmp_path, capsys, gandojo_cache):
    run = tmp_path / "run"
    assert main(["train", "--preset", "digits-dcgan", "--steps", "1", "--out", str(run), "--cache-dir",
                 str(gandojo_cache), "model.width=4", "model.latent_dim=4", "train.eval_samples=100"]) == 0
    assert "digits: 1,797 images, resized (bilinear) 8×8 → 16×16" in capsys.readouterr().out


def test_presets_list_says_what_each_shows(capsys):
    from gandojo.config import preset_names

    assert main(["presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == preset_names()
    assert all(len(line.split(maxsplit=1)[1]) > 30 for line in lines)
    assert any("dog / cat / bird" in line for line in lines)
