"""Reliability in numbers: faults injected and survived, bad inputs tried and rejected cleanly, resumes
compared bit for bit against uninterrupted runs.

    python benchmarks/bench_reliability.py            # about 2 minutes on 2 cores
"""

from __future__ import annotations

import contextlib
import io
import random
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

import gandojo.objectives as objectives
from gandojo.checkpoint import load_checkpoint
from gandojo.cli import main as cli
from gandojo.config import SECTIONS, Config, apply_overrides, from_dict, to_dict
from gandojo.run import train_run
from gandojo.train import NonFiniteError

TINY = ["model.hidden=16", "model.depth=2", "train.batch_size=32", "train.log_every=5", "train.eval_every=1000",
        "train.eval_samples=200", "train.sample_every=1000", "train.checkpoint_every=5",
        "objective.warmup_schedule=false"]


def config(objective: str, steps: int) -> Config:
    return apply_overrides(Config(), [f"objective.name={objective}", f"train.steps={steps}", *TINY])


def tensors(path: Path) -> list[torch.Tensor]:
    out = []

    def walk(x):
        if isinstance(x, dict):
            for k in sorted(x, key=str):
                walk(x[k])
        elif isinstance(x, list | tuple):
            for v in x:
                walk(v)
        elif isinstance(x, torch.Tensor):
            out.append(x)

    walk(load_checkpoint(path)["trainer"])
    return out


def resumes(tmp: Path) -> tuple[int, int]:
    same = total = 0
    for objective in ("gan", "gan-minimax", "wgan", "wgan-gp"):
        train_run(config(objective, 20), tmp / f"{objective}-straight", progress=False)
        for stop in (3, 9, 15):
            run = tmp / f"{objective}-{stop}"
            train_run(config(objective, stop), run, progress=False)
            train_run(config(objective, 20), run, resume=True, progress=False)
            a = tensors(tmp / f"{objective}-straight" / "checkpoints" / "final.pt")
            b = tensors(run / "checkpoints" / "final.pt")
            total += 1
            same += len(a) == len(b) and all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    return same, total


def faults(tmp: Path) -> tuple[int, int]:
    survived = total = 0
    spec = objectives.OBJECTIVES["gan"]
    for where, bad in (("d_loss", float("nan")), ("d_loss", float("inf")), ("g_loss", float("nan"))):
        for step in (4, 12):
            calls = {"n": 0}

            def poisoned(*args, _where=where, _bad=bad, _step=step, _calls=calls):
                _calls["n"] += 1
                loss = getattr(spec, _where)(*args)
                return loss * _bad if _calls["n"] == _step else loss

            objectives.OBJECTIVES["gan"] = replace(spec, **{where: poisoned})
            run = tmp / f"fault-{where}-{bad}-{step}"
            total += 1
            try:
                train_run(config("gan", 30), run, progress=False)
            except NonFiniteError:
                good = [p for p in (run / "checkpoints").glob("*.pt")]
                survived += (run / "failure.json").exists() and all(
                    all(torch.isfinite(t).all() for t in tensors(p) if t.is_floating_point()) for p in good)
            finally:
                objectives.OBJECTIVES["gan"] = spec
    for damage in ("truncate", "flip", "zero"):
        run = tmp / f"corrupt-{damage}"
        train_run(config("gan", 10), run, progress=False)
        final = run / "checkpoints" / "final.pt"
        data = bytearray(final.read_bytes())
        if damage == "truncate":
            data = data[: len(data) // 2]
        elif damage == "flip":
            data[len(data) // 2] ^= 0xFF
        else:
            data = bytearray(len(data))
        final.unlink()
        final.write_bytes(bytes(data))
        total += 1
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            survived += cli(["train", "--resume", str(run), "--steps", "15", "--quiet"]) == 0
    return survived, total


def bad_inputs(tmp: Path, n_configs: int = 500) -> tuple[int, int]:
    rng = random.Random(0)
    junk = [None, True, -1, 0, 1e308, float("nan"), "x", [1, 2, 3], {"a": 1}, "", -0.5]
    clean = total = 0
    valid = to_dict(Config())
    for _ in range(n_configs):
        values = {s: dict(k) for s, k in valid.items()}
        section = rng.choice(sorted(SECTIONS))
        values[section][rng.choice([*values[section], "unknown_key"])] = rng.choice(junk)
        total += 1
        try:
            from_dict(values)
            clean += 1  # accepted: a valid value
        except ValueError:
            clean += 1
        except Exception:  # noqa: BLE001 - counted as a failure of the guarantee
            pass
    np.save(tmp / "nan.npy", np.array([[np.nan, 1.0], [0.0, 0.0]]))
    np.save(tmp / "3d.npy", np.zeros((3, 3, 3, 3, 3)))
    (tmp / "empty.csv").write_text("")
    cases = [["train", "--data", "nope", "--dry-run"], ["train", "--steps", "-1", "--dry-run"],
             ["train", "--data", str(tmp / "nan.npy"), "--dry-run"], ["train", "--data", str(tmp / "3d.npy"),
                                                                       "--dry-run"],
             ["train", "--data", str(tmp / "empty.csv"), "--dry-run"], ["evaluate", str(tmp / "missing")],
             ["sample", str(tmp / "missing"), "-n", "3", "--out", str(tmp / "x.npy")],
             ["train", "optim.lr=-1", "--dry-run"], ["train", "--objective", "vae", "--dry-run"]]
    for args in cases:
        total += 1
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            clean += cli(args) == 2
    return clean, total


def main(argv: list[str] | None = None) -> dict[str, tuple[int, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        results = {"resumes bit-identical to an uninterrupted run": resumes(tmp),
                   "faults injected and survived (last good checkpoint intact)": faults(tmp),
                   "bad inputs rejected cleanly (ValueError / exit code 2)": bad_inputs(tmp)}
    width = max(map(len, results))
    for name, (ok, total) in results.items():
        print(f"{name:<{width}}  {ok:4d} / {total:<4d}")
    return results


if __name__ == "__main__":
    main()
