"""CLI smoke runs on images: train a few DCGAN steps on digits, evaluate, sample grids and PNGs, interpolate,
export and sample from safetensors; stacked digits; image folders with a corrupt file."""

import json

import numpy as np
import pytest
import yaml
from PIL import Image

from gandojo.cli import main
from gandojo.runs.checkpoint import load_checkpoint

FAST = ["train.log_every=5", "train.eval_every=10", "train.sample_every=10", "train.checkpoint_every=10",
        "train.eval_samples=500", "train.batch_size=32", "model.width=8", "model.latent_dim=16"]


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory, gandojo_cache):
    run = tmp_path_factory.mktemp("runs") / "digits"
    code = main(["train", "--preset", "digits-dcgan", "--steps", "20", "--out", str(run), "--quiet",
                 "--cache-dir", str(gandojo_cache), *FAST])
    assert code == 0
    return run


def test_digits_run_folder_has_grids_and_image_metrics(digits_run):
    for name in ("config.yaml", "metrics.jsonl", "summary.json", "losses.png", "real.png", "checkpoints/final.pt"):
        assert (digits_run / name).is_file(), name
    assert sorted(p.name for p in (digits_run / "samples").iterdir()) == [
        "evolution.gif", "step_000010.png", "step_000020.png"]
    grid = Image.open(digits_run / "samples" / "step_000020.png")
    assert grid.mode == "L" and grid.size[0] == grid.size[1] > 8 * 16  # 8×8 tiles of 16×16 images, enlarged
    assert np.asarray(grid).std() > 1  # not one flat grey
    real = np.asarray(Image.open(digits_run / "real.png"))
    assert real.min() == 0 and real.max() == 255  # denormalised: -1 is black, 1 is white
    records = [json.loads(line) for line in (digits_run / "metrics.jsonl").read_text().splitlines()]
    evaluated = [r for r in records if "frechet" in r]
    assert [r["step"] for r in evaluated] == [10, 20]
    assert {"classes_covered", "class_kl", "frechet", "frechet_floor", "precision", "recall", "density",
            "coverage"} <= set(evaluated[-1])


def test_evaluate_json_has_the_digits_contract_keys(digits_run, gandojo_cache, capsys):
    assert main(["evaluate", str(digits_run), "--samples", "500", "--json", "--cache-dir", str(gandojo_cache)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"classes_covered", "class_kl", "frechet", "frechet_floor", "precision", "recall", "density",
            "coverage"} <= set(result)
    assert result.pop("scored")["step"] == 20
    assert result == json.loads((digits_run / "summary.json").read_text())["evaluation"]  # the final evaluation
    assert main(["evaluate", str(digits_run), "--samples", "400", "--cache-dir", str(gandojo_cache)]) == 0
    assert "Fréchet distance" in capsys.readouterr().out


def test_sample_grid_single_pngs_and_npy(digits_run, tmp_path):
    assert main(["sample", str(digits_run), "-n", "12", "--out", str(tmp_path / "grid.png"), "--nrow", "4"]) == 0
    width, height = Image.open(tmp_path / "grid.png").size
    assert width > height  # 4 per row, 3 rows
    assert main(["sample", str(digits_run), "-n", "5", "--out", str(tmp_path / "singles")]) == 0
    files = sorted((tmp_path / "singles").iterdir())
    assert len(files) == 5 and Image.open(files[0]).size == (16, 16)
    assert main(["sample", str(digits_run), "-n", "6", "--out", str(tmp_path / "x.npy")]) == 0
    x = np.load(tmp_path / "x.npy")
    assert x.shape == (6, 1, 16, 16) and x.min() >= -1 and x.max() <= 1


def test_interpolate_strip_and_gif(digits_run, tmp_path):
    out, gif = tmp_path / "walk.png", tmp_path / "walk.gif"
    assert main(["interpolate", str(digits_run), "--out", str(out), "--rows", "2", "--steps", "5", "--gif",
                 str(gif)]) == 0
    strip = Image.open(out)
    assert strip.size[0] > strip.size[1]  # 5 columns, 4 rows (2 walks × lerp and slerp)
    animation = Image.open(gif)
    assert animation.n_frames == 2 * 5 - 2  # forward and back
    assert main(["interpolate", str(digits_run), "--out", str(tmp_path / "s.png"), "--method", "slerp"]) == 0


def test_export_then_sample_from_safetensors(digits_run, tmp_path):
    generator = tmp_path / "g.safetensors"
    assert main(["export", str(digits_run), "--out", str(generator)]) == 0
    assert generator.with_suffix(".json").is_file()
    assert main(["sample", str(digits_run), "-n", "8", "--out", str(tmp_path / "a.npy"), "--seed", "4"]) == 0
    assert main(["sample", str(generator), "-n", "8", "--out", str(tmp_path / "b.npy"), "--seed", "4"]) == 0
    assert np.allclose(np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy"))
    assert main(["sample", str(generator), "-n", "8", "--out", str(tmp_path / "g.png")]) == 0
    assert main(["interpolate", str(generator), "--out", str(tmp_path / "w.png")]) == 0


def test_image_command_errors_exit_2(digits_run, tmp_path, capsys):
    assert main(["sample", str(digits_run), "-n", "4", "--out", str(tmp_path / "x.txt")]) == 2
    assert "a .png grid" in capsys.readouterr().err
    assert main(["evaluate", str(digits_run), "--inception-weights", str(tmp_path / "none.pth")]) == 2
    assert "Inception weights file not found" in capsys.readouterr().err
    assert main(["interpolate", str(digits_run), "--out", str(tmp_path / "x.gif")]) == 2
    assert main(["interpolate", str(digits_run), "--method", "cubic", "--out", str(tmp_path / "x.png")]) == 2
    assert main(["train", "--preset", "digits-dcgan", "data.image_size=24", "--dry-run"]) == 2
    assert "24" in capsys.readouterr().err


def test_stacked_digits_train_and_evaluate(tmp_path, gandojo_cache, capsys):
    run = tmp_path / "stacked"
    assert main(["train", "--preset", "digits-dcgan", "--data", "stacked-digits", "--steps", "4", "--out", str(run),
                 "--quiet", "--cache-dir", str(gandojo_cache), *FAST]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(run), "--samples", "300", "--json", "--cache-dir", str(gandojo_cache)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["modes_total"], result["samples"]) == (1000, 300)
    # 300 real stacked images hit about 260 distinct modes; a generator after 4 steps hits far fewer
    assert result["real_modes_covered"] > 200 and result["modes_covered"] < result["real_modes_covered"] / 2
    assert result["kl"] > result["real_kl"] + 1
    assert sum(result["kl_channels"]) + result["kl_dependence"] == pytest.approx(result["kl"])
    # the run's own evaluations log the dependence beside the KL, and --stop-when may name it
    logged = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    final = next(r for r in reversed(logged) if "kl" in r)
    assert 0 <= final["kl_dependence"] <= final["kl"]


def test_the_default_image_recipe_trains_a_spectrally_normalised_d_without_batch_norm(tmp_path, gandojo_cache):
    """No preset: best-images, its D's layers under spectral norm and no batch norm, its target not reached."""
    run = tmp_path / "best"
    assert main(["train", "--data", "digits", "--steps", "10", "--out", str(run), "--quiet", "--cache-dir",
                 str(gandojo_cache), *FAST]) == 0
    summary = json.loads((run / "summary.json").read_text())
    assert (summary["status"], summary["steps"]) == ("finished", 10)
    critic = load_checkpoint(run / "checkpoints" / "final.pt")["trainer"]["discriminator"]
    weights = [key for key in critic if key.endswith("weight.original")]  # torch's spectral-norm parametrisation
    # at the digits' own 8×8: the input layer, one extra 3×3 layer and the 1×1 scoring layer
    assert len(weights) == 3 and all(f"{key[:-len('original')]}0._u" in critic for key in weights)
    assert not any("running_mean" in key for key in critic)  # no batch norm in D
    config = yaml.safe_load((run / "config.yaml").read_text())
    assert config["train"]["stop_when"] == ["classes_covered >= 10", "frechet <= 2 * frechet_floor"]
    assert config["data"]["image_size"] == 8  # the digits' own size, chosen when the run was prepared


def test_the_image_recipe_packs_pairs_and_trains_longer_on_stacked_digits_only(tmp_path, gandojo_cache, capsys):
    """No preset on stacked digits: D judges pairs (its first layer sees 2 x 3 channels) over 40,000 steps; digits and
    a user's images keep one sample per judgement, over 30,000 and 25,000 steps, in batches of 128; a pack the user
    gives is kept."""
    run = tmp_path / "stacked"
    assert main(["train", "--data", "stacked-digits", "--steps", "4", "--out", str(run), "--quiet", "--cache-dir",
                 str(gandojo_cache), *FAST]) == 0
    critic = load_checkpoint(run / "checkpoints" / "final.pt")["trainer"]["discriminator"]
    first = next(value for key, value in critic.items() if key.endswith("weight.original"))
    assert first.shape[1] == 6  # (width, 3 channels x 2 samples, 4, 4)
    capsys.readouterr()

    def dry_run(*args):
        assert main(["train", "--out", str(tmp_path / "dry"), "--dry-run", *args]) == 0
        out = capsys.readouterr().out
        config = yaml.safe_load(out)
        return config["objective"]["pack"], config["train"]["steps"], out

    pack, steps, out = dry_run("--data", "stacked-digits")
    assert (pack, steps) == (2, 40000) and "# default: objective.pack = 2: D judges pairs" in out
    images = tmp_path / "faces.npy"
    np.save(images, np.random.default_rng(0).uniform(0, 255, (160, 3, 16, 16)).astype(np.uint8))
    for data, expected_steps in (("digits", 30000), (str(images), 25000)):
        pack, steps, out = dry_run("--data", data)
        assert (pack, steps) == (1, expected_steps) and "# default: objective.pack = 1: D judges one sample" in out
    assert "the bundled digits at their own 8×8" in dry_run("--data", "digits")[2]
    batch = {data: yaml.safe_load(dry_run("--data", data)[2])["train"]["batch_size"]
             for data in ("digits", str(images), "stacked-digits")}
    assert batch == {"digits": 128, str(images): 128, "stacked-digits": 64}  # the DCGAN paper's; best-stacked's own
    assert dry_run("--data", "stacked-digits", "objective.pack=4")[0] == 4


def test_image_folder_run_lists_skipped_files(tmp_path, capsys):
    folder = tmp_path / "pics"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(12):
        Image.fromarray(rng.integers(0, 256, (10, 10, 3), dtype=np.uint8)).save(folder / f"p{i}.png")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 truncated")
    run = tmp_path / "run"
    with pytest.warns(UserWarning, match="skipped 1 of 13"):
        code = main(["train", "--model", "dcgan", "--data", str(folder), "--steps", "2", "--out", str(run),
                     "data.image_size=8", "train.batch_size=4", *FAST[:4], "model.width=4", "model.latent_dim=4"])
    assert code == 0
    assert "broken.jpg" in (run / "skipped_files.txt").read_text()
    out = capsys.readouterr().out
    assert "unreadable files skipped" in out and "resized and centre-cropped to 8×8" in out
    summary = json.loads((run / "summary.json").read_text())
    assert "no offline classifier" in summary["evaluation"]["note"]
