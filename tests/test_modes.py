"""The VEEGAN/PacGAN mode-collapse protocol on perfect and collapsed sample sets."""

import numpy as np
import pytest
import torch

from gandojo.data.toy import grid25, ring8, three_mode
from gandojo.distances import kl_divergence
from gandojo.metrics.modes import score_modes


def test_ring8_means_are_the_protocol_ones():
    centers = ring8().modes.centers
    assert len(np.unique(np.round(centers, 6), axis=0)) == 8
    assert np.allclose(centers[1], [np.sqrt(0.5), np.sqrt(0.5)])
    assert ring8().modes.sigma == 0.01 and grid25().modes.sigma == 0.05
    assert sorted(set(grid25().modes.centers[:, 0])) == [-4, -2, 0, 2, 4]


@pytest.mark.parametrize("make, floor", [(ring8, 0.002), (grid25, 0.005)])
def test_real_samples_score_perfectly(make, floor):
    data = make()
    samples = data.sample(2500, torch.Generator().manual_seed(0)).numpy()
    report = score_modes(samples, data.modes)
    assert report.modes_covered == report.modes_total
    # 2-D Gaussian: P(r <= 3σ) = 1 - exp(-4.5) = 0.9889; with 2,500 samples the std error is ~0.2%.
    assert report.high_quality == pytest.approx(1 - np.exp(-4.5), abs=0.006)
    assert report.reverse_kl < 6 * floor


def test_collapsed_samples_give_protocol_values():
    data = ring8()
    one_mode = data.modes.centers[3] + 0.01 * np.random.default_rng(0).standard_normal((2500, 2))
    report = score_modes(one_mode, data.modes)
    assert report.modes_covered == 1
    assert report.reverse_kl == pytest.approx(np.log(8), rel=1e-9)  # KL(δ_k ‖ uniform over 8) = log 8
    shares = [gen for _, gen in report.per_mode.values()]
    assert shares[3] == 1.0 and sum(shares) == 1.0


def test_far_samples_are_not_high_quality_and_nan_is_handled():
    modes = three_mode().modes
    far = np.full((10, 2), 50.0)
    far[0] = np.nan
    report = score_modes(far, modes)
    assert report.high_quality == 0.0 and report.modes_covered == 0 and report.reverse_kl is None
    assert "n/a" in report.table()


def test_weighted_modes_reverse_kl():
    data = three_mode(weights=[2, 1, 1])
    samples = np.repeat(data.modes.centers, [50, 25, 25], axis=0)  # exactly the data's shares
    assert score_modes(samples, data.modes).reverse_kl == pytest.approx(0.0, abs=1e-12)


def test_kl_divergence_closed_form():
    assert kl_divergence(np.array([0.5, 0.5]), np.array([0.25, 0.75])) == pytest.approx(
        0.5 * np.log(2) + 0.5 * np.log(2 / 3))
    assert kl_divergence(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == float("inf")


def test_wrong_shape_rejected():
    with pytest.raises(ValueError, match="shape"):
        score_modes(np.zeros((4, 3)), ring8().modes)
