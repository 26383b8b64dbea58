"""The quality benchmark's own parts: the random mixtures are what the design says and the same for a seed, the
tuning and held-out halves never share a mixture, and a row's verdict says "NOT met" when one run misses."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from bench_quality import verdict  # noqa: E402
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
