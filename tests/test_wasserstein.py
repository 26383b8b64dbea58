"""Tests of gandojo.distances: reference values, agreement with scipy and POT, properties, bad input."""

from __future__ import annotations

import dataclasses
import importlib
import math

import numpy as np
import ot
import pytest
import scipy.stats
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist, jensenshannon

from gandojo.distances import (
    TransportError,
    divergences,
    earth_movers_distance,
    plan_cost,
    resolve_method,
    score_plan,
    transport,
    wasserstein,
    wasserstein_1d,
)
from gandojo.lessons import parallel_lines

W = importlib.import_module("gandojo.distances")

SETTINGS = settings(max_examples=60, deadline=None)

P, Q, X = [6, 4, 3, 1], [3, 4, 4, 3], [1, 2, 3, 4]
PLAN_8 = [[3, 3, 0, 0], [0, 1, 3, 0], [0, 0, 1, 2], [0, 0, 0, 1]]
PLAN_10 = [[3, 0, 0, 3], [0, 4, 0, 0], [0, 0, 3, 0], [0, 0, 1, 0]]
PLAN_12 = [[3, 0, 0, 3], [0, 3, 1, 0], [0, 0, 3, 0], [0, 1, 0, 0]]
# Also optimal: keep 3 at x1 and send 2 of the rest to x4 and 1 to x3; only 3 cells move.
PLAN_8_FEW_MOVES = [[3, 0, 1, 2], [0, 4, 0, 0], [0, 0, 3, 0], [0, 0, 0, 1]]


# ------------------------------------------------------------------------------------------------
# Reference values: the worked example, Lilian Weng's vector, the scale example.


def test_worked_example_cost_and_normalisations():
    r = transport(P, Q, positions=X)
    assert r.distance == pytest.approx(8)
    assert r.mass == 14
    assert r.normalized(None) == pytest.approx(8)
    assert r.normalized("mass") == pytest.approx(8 / 14)
    assert round(r.normalized("mass"), 4) == 0.5714
    assert r.max_distance == 3
    assert r.normalized("max_distance") == pytest.approx(8 / (14 * 3))
    assert round(r.normalized("max_distance"), 4) == 0.1905
    # the default positions are 1..n, which is the worked example's support
    assert transport(P, Q).distance == pytest.approx(8)
    assert earth_movers_distance(P, Q, normalize="mass") == pytest.approx(8 / 14)


def test_worked_example_plan_is_a_valid_coupling_and_costs_what_it_says():
    r = transport(P, Q, positions=X)
    assert r.plan.shape == (4, 4)
    assert (r.plan >= 0).all()
    np.testing.assert_allclose(r.plan.sum(axis=1), P)
    np.testing.assert_allclose(r.plan.sum(axis=0), Q)
    cost = np.abs(np.subtract.outer(X, X))
    assert float((r.plan * cost).sum()) == pytest.approx(r.distance)
    assert r.optimal
    # scoring the solver's own plan gives the same numbers
    assert plan_cost(r.plan, P, Q, positions=X) == pytest.approx(8)


@pytest.mark.parametrize("plan, cost", [(PLAN_8, 8), (PLAN_10, 10), (PLAN_12, 12), (PLAN_8_FEW_MOVES, 8)])
def test_listed_plans_cost(plan, cost):
    assert plan_cost(plan, P, Q) == cost
    assert plan_cost(plan, P, Q, positions=X) == cost
    assert plan_cost(plan, P, Q, np.abs(np.subtract.outer(X, X))) == cost
    assert plan_cost(plan, P, Q) >= transport(P, Q).distance - 1e-12


def test_mean_move_depends_on_the_optimal_plan():
    many, few = score_plan(PLAN_8, P, Q), score_plan(PLAN_8_FEW_MOVES, P, Q)
    assert many.distance == few.distance == pytest.approx(transport(P, Q).distance)
    # averaged over all the mass, both plans give the per-mass value...
    assert many.normalized("mass") == few.normalized("mass") == pytest.approx(8 / 14)
    # ...averaged over the mass that moves, they differ (the 1.0 and 2.67)
    assert many.moved_mass == 8 and many.normalized("mean_move") == pytest.approx(1.0)
    assert few.moved_mass == 3 and few.normalized("mean_move") == pytest.approx(8 / 3)
    # the solver's own plan reports its mean move consistently with its plan
    r = transport(P, Q)
    off_diagonal = r.plan.sum() - np.trace(r.plan)
    assert r.normalized("mean_move") == pytest.approx(8 / off_diagonal)


def test_moves_read_like_the_plan():
    r = score_plan(PLAN_12, P, Q)
    assert r.moves == ("3 cells from x1 to x4 (distance 3)", "1 cell from x2 to x3 (distance 1)",
                       "1 cell from x4 to x2 (distance 2)")
    assert [(m.source, m.target, m.amount, m.distance) for m in r.flows] == [(0, 3, 3, 3), (1, 2, 1, 1),
                                                                              (3, 1, 1, 2)]
    # mass that stays put is not a move; identical histograms need none
    assert transport([1, 2], [1, 2]).moves == ()
    assert transport([1, 2], [1, 2]).normalized("mean_move") == 0.0


def test_lilian_weng_vector():
    p, q = [3, 2, 1, 4], [1, 2, 4, 3]
    r = transport(p, q)
    assert r.distance == pytest.approx(5)
    assert r.normalized("mass") == pytest.approx(0.5)
    assert wasserstein_1d([0, 1, 2, 3], [0, 1, 2, 3], p, q) == pytest.approx(0.5)
    assert scipy.stats.wasserstein_distance([0, 1, 2, 3], [0, 1, 2, 3], p, q) == pytest.approx(0.5)


def test_scale_example():
    p, q = [0.2, 0.2, 0.2, 0.2, 0.2], [0.0, 0.2, 0.2, 0.2, 0.4]
    small = transport(p, q, positions=np.linspace(0, 1, 5))
    large = transport(p, q, positions=np.linspace(0, 1000, 5))
    assert small.distance == pytest.approx(0.2)
    assert large.distance == pytest.approx(200)
    assert small.normalized("max_distance") == pytest.approx(0.2)
    assert large.normalized("max_distance") == pytest.approx(0.2)
    assert small.max_distance == 1 and large.max_distance == 1000
    # unit mass: per-mass equals raw
    assert large.normalized("mass") == pytest.approx(200)
    assert wasserstein_1d(np.linspace(0, 1000, 5), np.linspace(0, 1000, 5), p, q) == pytest.approx(200)
    assert all(" from x" in m and "cells" not in m for m in small.moves)  # fractional amounts


def test_cost_matrix_with_two_supports():
    # two cells of P, one of Q: everything goes to b1
    r = transport([1, 1], [2], cost=[[1.0], [3.0]])
    assert r.distance == pytest.approx(4)
    assert r.positions is None
    assert r.moves == ("1 cell from a1 to b1 (distance 1)", "1 cell from a2 to b1 (distance 3)")
    assert r.max_distance == 3


def test_positions_in_two_dimensions_match_pot():
    rng = np.random.default_rng(1)
    pos = rng.normal(size=(6, 2))
    a, b = rng.random(6), rng.random(6)
    b *= a.sum() / b.sum()
    r = transport(a, b, positions=pos)
    assert r.distance == pytest.approx(ot.emd2(a, b, cdist(pos, pos)), rel=1e-10)


def test_renormalize_is_explicit():
    with pytest.raises(ValueError, match="unequal total mass"):
        transport([1, 1], [1, 3])
    r = transport([1, 1], [1, 3], renormalize=True)
    assert r.mass == pytest.approx(1)
    # (1/2, 1/2) -> (1/4, 3/4): a quarter moves one cell
    assert r.distance == pytest.approx(0.25)


def test_result_is_frozen():
    r = transport(P, Q)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.distance = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        r.plan[0, 0] = 99.0
    assert "distance=8" in repr(r)


# ------------------------------------------------------------------------------------------------
# The solver's result code: never a silent 0.


def test_iteration_limit_is_an_error_not_a_silent_zero():
    with pytest.raises(TransportError, match="num_iter_max"):
        transport(P, Q, num_iter_max=1)


@pytest.mark.parametrize("code", [0, 2, 3])
def test_failed_result_codes_raise(monkeypatch, code):
    def fake_emd(a, b, M, numItermax, log):
        return np.zeros_like(M), {"cost": 0.0, "result_code": code, "warning": "solver says no"}

    monkeypatch.setattr(ot, "emd", fake_emd)
    with pytest.raises(TransportError, match=f"result code {code}"):
        transport(P, Q)
    with pytest.raises(TransportError):
        wasserstein(np.zeros((3, 2)), np.ones((3, 2)))


def test_plan_with_wrong_marginals_from_the_solver_is_caught(monkeypatch):
    def fake_emd(a, b, M, numItermax, log):
        return np.zeros_like(M), {"cost": 0.0, "result_code": 1, "warning": None}

    monkeypatch.setattr(ot, "emd", fake_emd)
    with pytest.raises(TransportError, match="marginals"):
        transport(P, Q)


# ------------------------------------------------------------------------------------------------
# 1-D: agreement with scipy and POT, and the metric's properties.

values = st.lists(st.floats(-100, 100, allow_nan=False), min_size=1, max_size=25)
tied_values = st.lists(st.integers(-4, 4).map(float), min_size=1, max_size=25)
some_values = st.one_of(values, tied_values)
orders = st.sampled_from([1, 1.5, 2, 3])


def weights_for(data, n):
    w = data.draw(st.lists(st.floats(0, 10), min_size=n, max_size=n))
    assume(sum(w) > 1e-3)
    return np.asarray(w)


def close(a, b, scale=1.0):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * max(1.0, scale))


def close_p(a, b, p, scale=100.0):
    """Equal as W_p^p, where float64 is accurate: near 0 the p-th root magnifies round-off
    (an error of 1e-14 in W_2^2 is one of 1e-7 in W_2)."""
    return math.isclose(a**p, b**p, rel_tol=1e-9, abs_tol=1e-12 * scale**p)


@SETTINGS
@given(u=some_values, v=some_values)
def test_1d_matches_scipy(u, v):
    assert close(wasserstein_1d(u, v), scipy.stats.wasserstein_distance(u, v), 100)


@SETTINGS
@given(u=some_values, v=some_values, data=st.data())
def test_1d_weighted_matches_scipy(u, v, data):
    uw, vw = weights_for(data, len(u)), weights_for(data, len(v))
    assert close(wasserstein_1d(u, v, uw, vw), scipy.stats.wasserstein_distance(u, v, uw, vw), 100)


@SETTINGS
@given(u=some_values, v=some_values, p=orders, data=st.data())
def test_1d_matches_pot_for_every_p(u, v, p, data):
    uw, vw = weights_for(data, len(u)), weights_for(data, len(v))
    ref = ot.wasserstein_1d(np.asarray(u), np.asarray(v), uw / uw.sum(), vw / vw.sum(), p=p)  # W_p^p
    ours = wasserstein_1d(u, v, uw, vw, p=p)
    assert math.isclose(ours ** p, ref, rel_tol=1e-8, abs_tol=1e-8 * 100 ** p)


@SETTINGS
@given(u=some_values, v=some_values, p=orders)
def test_1d_symmetry(u, v, p):
    assert close_p(wasserstein_1d(u, v, p=p), wasserstein_1d(v, u, p=p), p)


@SETTINGS
@given(u=some_values, c=st.floats(-50, 50), p=orders, data=st.data())
def test_1d_translation(u, c, p, data):
    w = weights_for(data, len(u))
    shifted = np.asarray(u) + c
    assert close_p(wasserstein_1d(u, shifted, w, w, p=p), abs(c), p)


@SETTINGS
@given(u=some_values, v=some_values, k=st.floats(-10, 10), shift=st.floats(-10, 10), p=orders)
def test_1d_scaling(u, v, k, shift, p):
    scaled = wasserstein_1d(np.multiply(u, k) + shift, np.multiply(v, k) + shift, p=p)
    assert close_p(scaled, abs(k) * wasserstein_1d(u, v, p=p), p, scale=1000)


@SETTINGS
@given(u=some_values, v=some_values, z=some_values, p=orders)
def test_1d_triangle_inequality(u, v, z, p):
    assert wasserstein_1d(u, z, p=p) <= wasserstein_1d(u, v, p=p) + wasserstein_1d(v, z, p=p) + 1e-9


@SETTINGS
@given(a=st.floats(-1e3, 1e3), b=st.floats(-1e3, 1e3), p=orders)
def test_1d_single_points(a, b, p):
    assert math.isclose(wasserstein_1d([a], [b], p=p), abs(a - b), rel_tol=1e-12, abs_tol=1e-12)


def test_1d_unequal_sizes_and_large_inputs():
    rng = np.random.default_rng(0)
    u, v = rng.normal(size=20_000), rng.normal(1.0, 2.0, size=13_001)
    assert wasserstein_1d(u, v) == pytest.approx(scipy.stats.wasserstein_distance(u, v), rel=1e-9)
    # a column vector counts as 1-D
    assert wasserstein_1d(u[:, None], v) == pytest.approx(wasserstein_1d(u, v), rel=1e-12)


# ------------------------------------------------------------------------------------------------
# Histograms: the discrete solver against independent references.

cells = st.integers(1, 8)


@SETTINGS
@given(n=cells, data=st.data())
def test_transport_on_a_line_matches_sorted_cdf_and_scipy(n, data):
    pos = np.asarray(data.draw(st.lists(st.floats(-20, 20), min_size=n, max_size=n)))
    a, b = weights_for(data, n), weights_for(data, n)
    r = transport(a, b, positions=pos, renormalize=True)
    assert close(r.distance, wasserstein_1d(pos, pos, a, b), 20)
    assert close(r.distance, scipy.stats.wasserstein_distance(pos, pos, a, b), 20)
    assert 0 <= r.normalized("max_distance") <= 1 + 1e-12


@SETTINGS
@given(n=cells, m=cells, data=st.data())
def test_transport_with_cost_matrix_matches_pot(n, m, data):
    a, b = weights_for(data, n), weights_for(data, m)
    b = b * (a.sum() / b.sum())
    cost = np.asarray(data.draw(st.lists(st.floats(0, 10), min_size=n * m, max_size=n * m))).reshape(n, m)
    r = transport(a, b, cost)
    assert close(r.distance, ot.emd2(a, b, cost, numItermax=10**6), 100)
    # no plan does better than the optimum: compare with a feasible one (the product coupling)
    assert r.distance <= plan_cost(np.outer(a, b) / a.sum(), a, b, cost) + 1e-9 * max(1.0, a.sum() * 10)


@SETTINGS
@given(n=cells, k=st.floats(0.01, 100), data=st.data())
def test_transport_scales_with_positions_and_max_distance_does_not(n, k, data):
    # positions on a 1e-6 grid: cells 1e-162 apart are no user's data, and their costs sit at the edge of float64
    pos = np.asarray(data.draw(st.lists(st.floats(-5, 5).map(lambda x: round(x, 6)), min_size=n, max_size=n)))
    a, b = weights_for(data, n), weights_for(data, n)
    r1 = transport(a, b, positions=pos, renormalize=True)
    r2 = transport(a, b, positions=k * pos, renormalize=True)
    assert math.isclose(r2.distance, k * r1.distance, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(r2.normalized("max_distance"), r1.normalized("max_distance"), rel_tol=1e-9,
                        abs_tol=1e-9)


# ------------------------------------------------------------------------------------------------
# Point clouds.


@SETTINGS
@given(n=st.integers(1, 10), m=st.integers(1, 10), d=st.integers(2, 3), p=st.sampled_from([1, 2, 3]),
       weighted=st.booleans(), seed=st.integers(0, 2**31))
def test_exact_clouds_match_pot(n, m, d, p, weighted, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
    a = rng.random(n) + 0.01 if weighted else np.ones(n)
    b = rng.random(m) + 0.01 if weighted else np.ones(m)
    ref = ot.emd2(a / a.sum(), b / b.sum(), cdist(x, y) ** p) ** (1 / p)
    ours = wasserstein(x, y, x_weights=a if weighted else None, y_weights=b if weighted else None, p=p)
    assert math.isclose(ours, ref, rel_tol=1e-9, abs_tol=1e-12)
    swapped = wasserstein(y, x, x_weights=b if weighted else None, y_weights=a if weighted else None, p=p)
    assert math.isclose(ours, swapped, rel_tol=1e-9, abs_tol=1e-12)


@SETTINGS
@given(n=st.integers(1, 30), d=st.integers(1, 4), p=st.sampled_from([1, 2]), seed=st.integers(0, 2**31))
def test_exact_translation_in_any_dimension(n, d, p, seed):
    rng = np.random.default_rng(seed)
    x, c = rng.normal(size=(n, d)), rng.normal(size=d)
    assert math.isclose(wasserstein(x, x + c, p=p), float(np.linalg.norm(c)), rel_tol=1e-9, abs_tol=1e-12)


def test_parallel_lines_from_samples():
    # Example 1 with samples: the same z on both lines, so the exact W between the clouds is |theta|
    z = np.random.default_rng(0).random(200)
    for theta in (-0.7, 0.3, 1.5):
        p0 = np.column_stack([np.zeros_like(z), z])
        pt = np.column_stack([np.full_like(z, theta), z])
        assert wasserstein(p0, pt) == pytest.approx(parallel_lines(theta).w, rel=1e-12)


@pytest.mark.parametrize("n, m", [(40, 40), (40, 25)])
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_sliced_matches_pot_with_the_same_directions(n, m, p, weighted):
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(n, 5)), rng.normal(0.5, 1.5, size=(m, 5))
    theta = rng.normal(size=(30, 5))
    theta /= np.linalg.norm(theta, axis=1, keepdims=True)
    a = rng.random(n) if weighted else None
    b = rng.random(m) if weighted else None
    ref = ot.sliced_wasserstein_distance(x, y, None if a is None else a / a.sum(),
                                         None if b is None else b / b.sum(), projections=theta.T, p=p)
    ours = wasserstein(x, y, x_weights=a, y_weights=b, p=p, method="sliced", projections=theta)
    assert ours == pytest.approx(float(ref), rel=1e-9)


def test_sliced_is_seeded_and_below_the_exact_distance():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(300, 6)), rng.normal(0.3, 1.0, size=(200, 6))
    s0 = wasserstein(x, y, method="sliced", seed=0)
    assert s0 == wasserstein(x, y, method="sliced", seed=0)
    assert s0 != wasserstein(x, y, method="sliced", seed=1)
    for p in (1, 2):
        assert wasserstein(x, y, method="sliced", p=p, n_projections=50) <= wasserstein(x, y, p=p) + 1e-12


def test_auto_switches_at_max_exact():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(30, 3)), rng.normal(size=(30, 3))
    assert wasserstein(x, y, method="auto", max_exact=30) == wasserstein(x, y)
    assert wasserstein(x, y, method="auto", max_exact=29) == wasserstein(x, y, method="sliced")
    assert resolve_method(30, 30, 3, "auto", max_exact=29) == "sliced"
    assert resolve_method(10**6, 10**6, 1, "exact") == "exact-1d"


def test_one_dimensional_clouds_use_the_sorted_cdf():
    rng = np.random.default_rng(6)
    u, v = rng.normal(size=3000), rng.normal(size=2000)
    expected = scipy.stats.wasserstein_distance(u, v)
    for method in ("exact", "sliced", "auto"):
        assert wasserstein(u, v, method=method) == pytest.approx(expected, rel=1e-9)
    assert wasserstein(u[:, None], v[:, None]) == pytest.approx(expected, rel=1e-9)
    assert isinstance(wasserstein(u, v), float)


# ------------------------------------------------------------------------------------------------
# Divergences and Example 1.

histograms = st.integers(1, 8).flatmap(
    lambda n: st.tuples(st.lists(st.floats(0, 10), min_size=n, max_size=n),
                        st.lists(st.floats(0, 10), min_size=n, max_size=n)))


@SETTINGS
@given(pq=histograms)
def test_divergences_match_scipy(pq):
    p, q = (np.asarray(h) for h in pq)
    assume(p.sum() > 1e-3 and q.sum() > 1e-3)
    d = divergences(p, q, renormalize=True)
    pn, qn = p / p.sum(), q / q.sum()
    assert math.isclose(d.kl_pq, scipy.stats.entropy(pn, qn), rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(d.kl_qp, scipy.stats.entropy(qn, pn), rel_tol=1e-9, abs_tol=1e-12)
    # JS from its definition with scipy's entropy: jensenshannon() takes a square root, which is NaN when round-off
    # leaves its argument at -1e-17 for two equal histograms
    m = (pn + qn) / 2
    js = (scipy.stats.entropy(pn, m) + scipy.stats.entropy(qn, m)) / 2
    assert math.isclose(d.js, js, rel_tol=1e-7, abs_tol=1e-12)
    assert math.isclose(d.js_bits, js / math.log(2), rel_tol=1e-7, abs_tol=1e-12)
    if js > 1e-9:  # and scipy's own function where its square root is well defined
        assert math.isclose(d.js, jensenshannon(pn, qn) ** 2, rel_tol=1e-7)
    assert math.isclose(d.tv, np.clip(pn - qn, 0, None).sum(), rel_tol=1e-9, abs_tol=1e-12)
    cells_at = np.arange(1, len(p) + 1)
    assert math.isclose(d.w1, scipy.stats.wasserstein_distance(cells_at, cells_at, p, q), rel_tol=1e-9,
                        abs_tol=1e-12)
    assert 0 <= d.js <= math.log(2) + 1e-12 and 0 <= d.tv <= 1 + 1e-12
    assert d.tv <= math.sqrt(d.kl_pq / 2) + 1e-9  # Pinsker


def test_divergences_worked_example_and_extremes():
    d = divergences(P, Q, positions=X)
    assert d.w1 == pytest.approx(8 / 14)
    assert d.tv == pytest.approx(3 / 14)  # 3 cells of 14 differ
    same = divergences(P, P)
    assert same.as_dict() == {"kl_pq": 0.0, "kl_qp": 0.0, "js": 0.0, "js_bits": 0.0, "tv": 0.0, "w1": 0.0}
    apart = divergences([1, 0, 0], [0, 0, 1])
    assert apart.js == pytest.approx(math.log(2)) and apart.js_bits == pytest.approx(1.0)
    assert apart.kl_pq == math.inf and apart.kl_qp == math.inf and apart.tv == 1.0
    assert apart.w1 == 2.0  # unlike the others, W1 sees how far apart the cells are


@pytest.mark.parametrize("theta", [-1.0, -0.25, 0.5, 3.0])
def test_parallel_lines_values_and_gradients(theta):
    r = parallel_lines(theta)
    assert (r.w, r.js, r.kl, r.tv) == (abs(theta), math.log(2), math.inf, 1.0)
    h = 1e-6
    lo, hi = parallel_lines(theta - h), parallel_lines(theta + h)
    assert r.grad_w == pytest.approx((hi.w - lo.w) / (2 * h)) and abs(r.grad_w) == 1
    for name in ("js", "tv"):
        assert getattr(r, f"grad_{name}") == (getattr(hi, name) - getattr(lo, name)) / (2 * h) == 0
    assert r.grad_kl == 0


def test_parallel_lines_agree_with_discretised_distributions():
    # On a grid, P0 and P_theta (theta != 0) occupy disjoint cells: JS, KL, TV saturate as stated
    grid = np.zeros((2, 10))
    grid[0] = 1  # P0: column x = 0
    other = np.zeros((2, 10))
    other[1] = 1  # P_theta: column x = theta
    d = divergences(grid.ravel(), other.ravel())
    r = parallel_lines(0.4)
    assert d.js == pytest.approx(r.js) and d.js_bits == pytest.approx(1.0)
    assert d.kl_pq == d.kl_qp == r.kl and d.tv == pytest.approx(r.tv)
    at_zero = parallel_lines(0.0)
    assert (at_zero.w, at_zero.js, at_zero.kl, at_zero.tv) == (0.0, 0.0, 0.0, 0.0)


def test_parallel_lines_arrays():
    r = parallel_lines(np.linspace(-1, 1, 5))
    np.testing.assert_array_equal(r.w, [1, 0.5, 0, 0.5, 1])
    np.testing.assert_array_equal(r.grad_w, [-1, -1, 0, 1, 1])
    assert not np.signbit(r.grad_w[2])


# ------------------------------------------------------------------------------------------------
# Bad input: a ValueError naming the problem, never a silent nan or 0.

BAD_1D = [
    (lambda: wasserstein_1d([], [1.0]), "u_values is empty"),
    (lambda: wasserstein_1d([1.0], []), "v_values is empty"),
    (lambda: wasserstein_1d([1.0, np.nan], [1.0]), r"u_values must be finite.*nan"),
    (lambda: wasserstein_1d([1.0], [np.inf]), r"v_values must be finite.*inf"),
    (lambda: wasserstein_1d([1.0, 2.0], [1.0], [1.0, -1.0]), "u_weights must be non-negative"),
    (lambda: wasserstein_1d([1.0, 2.0], [1.0], [1.0, np.nan]), "u_weights must be finite"),
    (lambda: wasserstein_1d([1.0, 2.0], [1.0], None, [np.inf]), "v_weights must be finite"),
    (lambda: wasserstein_1d([1.0, 2.0], [1.0], [0.0, 0.0]), "u_weights has zero total mass"),
    (lambda: wasserstein_1d([1.0, 2.0], [1.0], [1.0]), "u_weights has 1 entries but there are 2"),
    (lambda: wasserstein_1d([1.0], [2.0], p=0.5), "p must be a finite number >= 1"),
    (lambda: wasserstein_1d([1.0], [2.0], p=np.nan), "p must be a finite number >= 1"),
    (lambda: wasserstein_1d([1.0], [2.0], p="2"), "p must be a number"),
    (lambda: wasserstein_1d(np.ones((3, 2)), [2.0]), r"u_values must be a 1-D array, got shape \(3, 2\)"),
    (lambda: wasserstein_1d("abc", [2.0]), "u_values must be an array of numbers"),
    (lambda: wasserstein_1d([[1.0], [2.0, 3.0]], [2.0]), "u_values must be a rectangular array"),
    (lambda: wasserstein_1d([1 + 1j], [2.0]), "u_values must be real"),
]

BAD_TRANSPORT = [
    (lambda: transport([1, -1, 2], [1, 1, 0]), r"a must be non-negative, but a\[1\] = -1"),
    (lambda: transport([1, np.nan], [1, 1]), "a must be finite"),
    (lambda: transport([1, np.inf], [1, 1]), "a must be finite"),
    (lambda: transport([], []), "a is empty"),
    (lambda: transport([0, 0], [0, 0]), "a has zero total mass"),
    (lambda: transport([1, 2], [1, 1]), "unequal total mass"),
    (lambda: transport([1, 2], [1, 2], [[0, 1]]), r"cost must have shape \(len\(a\), len\(b\)\) = \(2, 2\)"),
    (lambda: transport([1, 2], [1, 2], [[0, -1], [1, 0]]), r"cost must be non-negative, but cost\[0, 1\]"),
    (lambda: transport([1, 2], [1, 2], [[0, np.nan], [1, 0]]), "cost must be finite"),
    (lambda: transport([1, 2], [1, 2], [[0, 1], [1, 0]], positions=[0, 1]), "either cost or positions"),
    (lambda: transport([1, 2], [1, 2], positions=[0, 1, 2]), "positions has 3 entries"),
    (lambda: transport([1, 2], [1, 2], positions=[0, np.nan]), "positions must be finite"),
    (lambda: transport([1, 2], [1, 1, 1]), "same length"),
    (lambda: transport(P, Q).normalized("median"), "unknown normalisation 'median'"),
    (lambda: earth_movers_distance(P, Q, normalize="Mass"), "unknown normalisation 'Mass'"),
    (lambda: transport(P, Q, num_iter_max=0), "num_iter_max must be a positive integer"),
    (lambda: transport(np.ones(10_001), np.ones(10_001)), "10001x10001 dense matrices"),
]

BAD_PLANS = [
    (lambda: plan_cost([[6, 0], [0, 4]], P, Q), r"plan must have shape .* = \(4, 4\), got \(2, 2\)"),
    (lambda: plan_cost([[4, 3, 0, -1], [0, 1, 3, 0], [0, 0, 1, 2], [0, 0, 0, 2]], P, Q),
     "plan must be non-negative"),
    (lambda: plan_cost([[3, 3, 0, 0], [0, 1, 3, 0], [0, 0, 1, 2], [0, 0, 0, np.nan]], P, Q),
     "plan must be finite"),
    (lambda: plan_cost([[3, 3, 0, 0], [0, 1, 3, 0], [0, 0, 1, 2], [0, 0, 1, 0]], P, Q),
     r"plan's column sums must equal b: column 2 sums to 5 but b\[2\] = 4"),
    (lambda: plan_cost([[3, 3, 0, 0], [0, 1, 3, 0], [0, 0, 1, 2], [0, 0, 0, 2]], P, Q),
     "plan's row sums must equal a: row 3"),
    (lambda: plan_cost(PLAN_8, P, [3, 4, 4, 4]), "unequal total mass"),
]

Z = np.zeros((3, 2))
BAD_CLOUDS = [
    (lambda: wasserstein(Z, np.zeros((3, 3))), "same dimension, got 2 and 3"),
    (lambda: wasserstein(np.zeros((0, 2)), Z), "x is empty"),
    (lambda: wasserstein(Z, np.full((3, 2), np.nan)), r"y must be finite, but y\[0, 0\] = nan"),
    (lambda: wasserstein(np.zeros((3, 2, 2)), Z), r"x must have shape \(n, d\)"),
    (lambda: wasserstein(Z, Z, method="fast"), "method must be 'exact'"),
    (lambda: wasserstein(Z, Z, method="sliced", n_projections=0),
     "n_projections must be a positive integer"),
    (lambda: wasserstein(Z, Z, p=0), "p must be a finite number >= 1"),
    (lambda: wasserstein(Z, Z, x_weights=[1, 1]), "x_weights has 2 entries"),
    (lambda: wasserstein(Z, Z, y_weights=[1, -1, 1]), "y_weights must be non-neg"),
    (lambda: wasserstein(Z, Z, method="sliced", projections=np.ones((4, 3))),
     r"projections must have shape \(P, 2\)"),
    (lambda: wasserstein(Z, Z, method="sliced", projections=np.zeros((4, 2))),
     "zero direction"),
    (lambda: wasserstein(np.zeros((10_001, 2)), np.zeros((10_001, 2))), "use method='sliced' or 'auto'"),
]

BAD_DIVERGENCES = [
    (lambda: divergences([1, 2], [1, 2, 0]), "same support, got 2 and 3 cells"),
    (lambda: divergences([1, 2], [1, 1]), "unequal total mass"),
    (lambda: divergences([1, -2, 4], [1, 1, 1]), "p must be non-negative"),
    (lambda: divergences([1, 2], [2, 1], positions=[0, 1, 2]), "positions has 3 entries"),
    (lambda: parallel_lines(np.nan), "theta must be finite"),
    (lambda: parallel_lines([0.0, np.inf]), "theta must be finite"),
]


@pytest.mark.parametrize("call, message", BAD_1D + BAD_TRANSPORT + BAD_PLANS + BAD_CLOUDS + BAD_DIVERGENCES)
def test_bad_input_is_rejected_with_a_named_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_huge_and_tiny_total_masses_solve_exactly():
    # Found by fuzzing: the simplex's absolute feasibility test called totals near 2**53 infeasible.
    for scale in (2.0**53, 1e12, 1e-12):
        r = transport([6 * scale, 4 * scale, 3 * scale, 1 * scale], [3 * scale, 4 * scale, 4 * scale, 3 * scale],
                      positions=[1, 2, 3, 4])
        assert r.distance == pytest.approx(8 * scale, rel=1e-12)
