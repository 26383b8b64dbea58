"""Figures a learner reads without the README: labelled modes, axes and rows, legends that cover no curve,
plan labels that do not overlap, and progress lines with digits that move."""

import numpy as np
from PIL import Image

from gandojo.data.toy import three_mode
from gandojo.distances import score_plan, transport
from gandojo.runs.progress import format_stats
from gandojo.viz.images import image_grid
from gandojo.viz.training import points_figure, training_figure
from gandojo.viz.transport import transport_figure


def test_three_mode_snapshot_names_the_modes():
    data = three_mode()
    real = data.modes.centers.repeat(20, axis=0)
    fig = points_figure(real[:10], real, centers=data.modes.centers, names=data.modes.names)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["dog", "cat", "bird"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x1", "x2")


def test_points_of_more_than_two_dimensions_say_which_they_show():
    x = np.random.default_rng(0).normal(size=(50, 3))
    ax = points_figure(x, x).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("dimension 1 of 3", "dimension 2 of 3")


def _records(**evaluation):
    return [{"step": s, "loss_d": 1.3, "loss_g": 0.7, "value": -1.3, "d_real": 0.5, "d_fake": 0.5,
             **({k: v for k, v in evaluation.items()} if s % 50 == 0 else {})} for s in range(10, 210, 10)]


def test_coverage_panel_has_axis_labels_and_its_legend_below_the_plot():
    fig = training_figure(_records(modes_covered=7, modes_total=8, high_quality=0.6, w_exact=0.2))
    fig.canvas.draw()
    coverage = next(ax for ax in fig.axes if ax.get_title().startswith("mode coverage"))
    assert coverage.get_ylabel() == "modes covered (of 8)" and coverage.get_xlabel() == "generator step"
    quality = next(ax for ax in fig.axes if ax.get_ylabel() == "high-quality samples (%)")
    legend = coverage.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["modes covered", "high quality (%)"]
    # the legend lies entirely below the plotting area, so it covers no curve
    assert legend.get_window_extent().y1 < coverage.get_window_extent().y0
    assert quality.get_shared_x_axes().joined(quality, coverage)


def test_image_runs_plot_the_frechet_distance_with_its_floor():
    fig = training_figure(_records(frechet=80.0, frechet_floor=6.2, classes_covered=9))
    panel = next(ax for ax in fig.axes if ax.get_title() == "image quality")
    assert panel.get_ylabel() == "Fréchet distance (classifier features)"
    labels = [t.get_text() for t in panel.get_legend().get_texts()]
    assert labels == ["Fréchet distance", "floor (real vs real, 6.2)", "classes covered"]


def test_plan_labels_do_not_overlap():
    """A plan with crossing moves: every amount is written once, and no two labels sit on each other."""
    result = score_plan([[3, 0, 0, 3], [0, 3, 1, 0], [0, 0, 3, 0], [0, 1, 0, 0]], [6, 4, 3, 1], [3, 4, 4, 3],
                        positions=[1, 2, 3, 4])
    for r in (result, transport([3, 0, 0, 0, 0, 3], [0, 1, 2, 2, 1, 0])):
        fig = transport_figure(r)
        fig.canvas.draw()
        labels = [t for t in fig.axes[0].texts if t.get_color() == "darkgreen"]
        assert len(labels) == len(r.flows)
        boxes = [t.get_window_extent() for t in labels]
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_interpolation_rows_are_labelled(tmp_path):
    images = np.zeros((4, 1, 8, 8))
    plain = Image.open(image_grid(images, tmp_path / "a.png", nrow=2))
    labelled = Image.open(image_grid(images, tmp_path / "b.png", nrow=2, row_labels=["lerp", "slerp"]))
    assert labelled.height == plain.height and labelled.width > plain.width
    margin = np.asarray(labelled.convert("L"))[:, : labelled.width - plain.width]
    assert (margin < 128).any()  # dark text on the white margin


def test_progress_line_keeps_a_small_critic_estimate_readable():
    assert "W≈ 0.000123" in format_stats({"w_estimate": 0.000123})
    assert "W≈ 0.432" in format_stats({"w_estimate": 0.4321})
