"""The quality benchmark's own parts: the random mixtures are what the design says and the same for a seed, the
tuning and held-out halves never share a mixture, and a row's verdict says "NOT met" when one run misses."""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from bench_quality import ROWS, history, seeds_to_run, verdict  # noqa: E402
from heldout_mixtures import HELD_OUT, TUNING, mixture  # noqa: E402


def test_mixtures_are_drawn_from_their_seed_within_the_stated_ranges():
    drawn = [mixture(s) for s in TUNING + HELD_OUT]
    again = mixture(HELD_OUT[3])
    assert np.array_equal(again.centers, drawn[len(TUNING) + 3].centers) and again.sigma == drawn[len(TUNING) + 3].sigma
    assert not set(TUNING) & set(HELD_OUT) and len(HELD_OUT) >= 20
    assert len({m.kind for m in drawn}) == 2  # rings and grids both
    for m in drawn:
        k = len(m.centers)
        assert (6 <= k <= 16) if m.kind == "ring" else (9 <= k <= 64)
        assert np.isclose(m.weights.sum(), 1) and m.weights.max() > 1.2 * m.weights.min()  # unequal
        nearest = min(np.linalg.norm(a - b) for i, a in enumerate(m.centers) for b in m.centers[i + 1:])
        assert np.isclose(nearest, m.spacing) and 0.009 < m.sigma / m.spacing < 0.051
    points = again.sample(1000)
    assert points.shape == (1000, 2) and points.dtype == np.float32
    assert np.array_equal(points, again.sample(1000))
    assert again.modes().count == len(again.centers)


def test_a_row_is_met_only_when_every_run_meets_it():
    good = {"modes_covered": 8, "modes_total": 8, "high_quality": 0.98, "reverse_kl": 0.01}
    assert verdict("ring8", [good] * 10).count("(met)") == 3
    missed = [good] * 9 + [{**good, "high_quality": 0.965}]
    assert "HQ lowest 96.5% (NOT met, 0.5 points short)" in verdict("ring8", missed)
    held = [{"modes_covered": 9, "modes_total": 9, "high_quality": 0.95}] * 17 + \
        [{"modes_covered": 40, "modes_total": 48, "high_quality": 0.3}] * 3
    said = verdict("heldout", held)
    assert "every mode in 17 of 20 (85%; NOT met)" in said and "HQ mean 85.2% (NOT met, 4.8 points short)" in said


def test_a_summary_joins_the_seeds_of_several_saved_results_into_one_row(tmp_path, monkeypatch, capsys):
    import json

    import bench_quality

    (tmp_path / "results").mkdir()
    for name, seeds, commit in (("late", [2, 3], "bbb"), ("early", [0, 1], "aaa")):
        runs = [{"seed": s, "steps": 100, "frechet": 10.0 + s, "frechet_floor": 6.0, "classes_covered": 10}
                for s in seeds]
        (tmp_path / "results" / f"{name}.json").write_text(json.dumps(
            {"extra": [], "reference_steps_per_second": 40.0, "rows": {"digits": runs}}))
        (tmp_path / "results" / f"{name}.txt").write_text(f"# 2026-12-03, commit {commit}, x86_64\n")
    monkeypatch.setattr(bench_quality, "HERE", tmp_path)
    bench_quality.summarize(["late+early"])
    said = capsys.readouterr().out
    assert "late+early, digits, DCGAN (the default recipe at commit bbb, aaa), 4 runs:" in said
    assert [line.split(":")[0].strip() for line in said.splitlines() if "steps, classes" in line] == \
        ["seed 0", "seed 1", "seed 2", "seed 3"]  # in seed order, whichever file held them
    assert "Fréchet mean 11.500, lowest 10.000, highest 13.000" in said
    assert "Fréchet / floor highest 2.17 (NOT met)" in said
    (tmp_path / "results" / "override.json").write_text(json.dumps(
        {"extra": ["optim.betas=[0.0,0.9]"], "reference_steps_per_second": 40.0, "rows": {"digits": [
            {"seed": 4, "steps": 100, "frechet": 12.0, "frechet_floor": 6.0, "classes_covered": 10}]}}))
    (tmp_path / "results" / "override.txt").write_text("# 2026-12-04, commit ccc, x86_64\n")
    bench_quality.summarize(["late+override"])
    assert "late+override, digits, DCGAN (the default recipe at commit bbb, ccc with optim.betas=[0.0,0.9]), 3 runs:" \
        in capsys.readouterr().out  # the part run with an override says so


def test_the_history_prints_every_evaluation_with_how_sure_d_was(tmp_path, capsys):
    run = tmp_path / "recipe-seed1"
    run.mkdir()
    lines = [{"step": 10, "time": 1.0, "d_real": 0.9, "d_fake": 0.1},  # a log line: not an evaluation
             {"step": 2500, "time": 221.3, "frechet": 66.884, "classes_covered": 10, "d_real": 0.5027,
              "d_fake": 0.4946},
             {"step": 5000, "time": 423.0, "frechet": 51.39, "classes_covered": 9}]
    (run / "metrics.jsonl").write_text("\n".join(json.dumps(line) for line in lines))
    history(tmp_path)
    assert capsys.readouterr().out.splitlines() == [
        "recipe-seed1:",
        "  step   2500 at   221.3 s: classes 10/10, Fréchet 66.88, D(x) 0.503, D(G(z)) 0.495",
        "  step   5000 at   423.0 s: classes 9/10, Fréchet 51.39"]


def test_a_row_runs_its_ten_seeds_a_range_from_a_first_seed_or_exactly_the_listed_ones():
    assert seeds_to_run(ROWS["digits"]) == list(range(10))
    assert seeds_to_run(ROWS["digits"], first_seed=5, seeds=2) == [5, 6]
    assert seeds_to_run(ROWS["digits"], first_seed=5, seeds=2, seed_list=[9, 0]) == [9, 0]
