"""train.tensorboard: scalars and snapshots in RUN_DIR/tb/, read back from the event file."""

from __future__ import annotations

import importlib.util

import pytest

from gandojo.cli import main
from gandojo.config import Config, apply_overrides
from gandojo.runs.runner import train_run

TINY = ["model.hidden=16", "model.depth=2", "train.batch_size=32", "train.log_every=5", "train.eval_every=10",
        "train.eval_samples=200", "train.sample_every=10", "train.checkpoint_every=10",
        "train.checkpoint_seconds=1000000"]


def read_events(folder):
    event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    events = event_accumulator.EventAccumulator(str(folder), size_guidance={"images": 0, "scalars": 0})
    events.Reload()
    return events


def test_scalars_and_snapshots_are_in_the_event_file(tmp_path):
    pytest.importorskip("tensorboard")
    run = tmp_path / "run"
    train_run(apply_overrides(Config(), ["train.steps=20", "train.tensorboard=true", *TINY]), run, progress=False)
    events = read_events(run / "tb")
    tags = events.Tags()
    assert {"loss_d", "loss_g", "d_real", "modes_covered", "w_exact"} <= set(tags["scalars"])
    assert [e.step for e in events.Scalars("loss_d")] == [1, 5, 10, 15, 20]
    logged = [line for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert len(events.Scalars("loss_g")) == len(logged)
    assert [e.step for e in events.Scalars("modes_covered")] == [10, 20]
    images = events.Images("samples")
    assert [e.step for e in images] == [10, 20] and images[0].width > 100


def test_without_the_package_it_is_a_clear_error_before_anything_is_written(tmp_path, monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tensorboard" else real(name, *a))
    out = tmp_path / "run"
    assert main(["train", "--data", "ring8", "--objective", "gan", "--steps", "5", "--tensorboard", "--out", str(out),
                 "--quiet"]) == 2
    assert "pip install 'gandojo[tensorboard]'" in capsys.readouterr().err
    assert not out.exists()
