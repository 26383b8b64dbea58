"""The best recipe for points reads the data's clusters to choose its steps: the count itself, and what
``gandojo train`` does with it."""

import numpy as np
import pytest
import torch
import yaml
from sklearn.datasets import make_moons

from gandojo.cli import main
from gandojo.config import DataConfig
from gandojo.data import load_data
from gandojo.data.clusters import count_clusters


def grid(rows: int, cols: int, n: int = 20_000, sigma: float = 0.03, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.stack(np.meshgrid(np.arange(cols), np.arange(rows)), -1).reshape(-1, 2).astype(float)
    return centres[rng.integers(0, len(centres), n)] + sigma * rng.standard_normal((n, 2))


@pytest.mark.parametrize(("name", "expected"), [("ring8", 8), ("grid25", 25), ("three-mode", 3),
                                                 ("mixture1d", 3), ("gaussian1d", 1)])
def test_the_bundled_mixtures_show_their_modes(name, expected):
    data = load_data(DataConfig(name=name))
    assert count_clusters(data.sample(20_000, torch.Generator().manual_seed(0)).numpy()) == expected


def test_the_count_does_not_depend_on_units_or_offset_and_ignores_a_few_strays():
    points = grid(7, 8)
    assert count_clusters(points) == 56
    assert count_clusters(points * 1e-3 + 50) == 56 and count_clusters(points * np.array([300.0, 0.2])) == 56
    strays = np.random.default_rng(1).uniform(-1, 8, size=(20, 2))  # 0.1% of the points, scattered
    assert count_clusters(np.concatenate([points, strays])) == 56


def test_a_sparse_broad_cluster_stays_one():
    """Four Gaussians 10 apart with σ = 1.2 in 5,000 points: their cells are sparse at the edges, and the
    grown cells keep each one whole instead of breaking it into pieces."""
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    assert count_clusters(centres[rng.integers(0, 4, 5000)] + 1.2 * rng.standard_normal((5000, 2))) == 4


def test_continuous_shapes_are_one_cluster_each_and_unanswerable_data_is_none():
    rng = np.random.default_rng(0)
    assert count_clusters(rng.uniform(size=(20_000, 2))) == 1
    assert count_clusters(rng.standard_normal((20_000, 2))) == 1
    assert count_clusters(make_moons(20_000, noise=0.05, random_state=0)[0]) == 2
    assert count_clusters(rng.standard_normal((20_000, 3))) is None  # 3-D: not counted
    assert count_clusters(rng.standard_normal((100, 2))) is None  # too few points to tell strays from clusters


def dry_run(capsys, *args: str) -> tuple[dict, str]:
    assert main(["train", *args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    return yaml.safe_load(out), out


def test_the_best_recipe_chooses_its_steps_from_the_data_and_says_why(tmp_path, capsys):
    ring, said = dry_run(capsys, "--data", "ring8")
    assert ring["train"]["steps"] == 8000 and "# default: train.steps = 8000: 8 separate clusters" in said
    assert dry_run(capsys, "--data", "grid25")[0]["train"]["steps"] == 13000
    mine = tmp_path / "grid.npy"
    np.save(mine, grid(7, 8) * 40 - 300)
    user, said = dry_run(capsys, "--data", str(mine))
    assert user["train"]["steps"] == 14000 and "56 separate clusters" in said  # 6,000 + 280 x 56, at most 14,000
    np.save(mine, np.random.default_rng(0).standard_normal((5000, 4)))
    assert dry_run(capsys, "--data", str(mine))[0]["train"]["steps"] == 8000  # 4-D: not counted
    given, said = dry_run(capsys, "--data", "grid25", "--steps", "300")
    assert given["train"]["steps"] == 300 and "train.steps =" not in said  # the user's steps win
    classic, said = dry_run(capsys, "--data", "grid25", "--objective", "gan")
    assert classic["train"]["steps"] == 2000 and "train.steps =" not in said  # the classic objectives keep theirs


def test_a_run_of_the_best_recipe_saves_the_steps_it_chose(tmp_path):
    run = tmp_path / "r"
    assert main(["train", "--data", "ring8", "--out", str(run), "--quiet", "--time-limit", "1s",
                 "train.checkpoint_every=5"]) == 0
    saved = yaml.safe_load((run / "config.yaml").read_text())
    assert saved["train"]["steps"] == 8000  # chosen, then saved: a resume continues the same schedule
