"""CLI smoke tests for `gandojo wasserstein` and `gandojo divergences` on a throwaway typer app."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from gandojo.cli.transport import register

W = importlib.import_module("gandojo.distances")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def table_rows(output: str) -> list[list[str]]:
    """The body rows of the rich tables in ``output``, as lists of stripped cells."""
    lines = [line for line in output.splitlines() if line.startswith("│")]
    return [[c.strip() for c in line.split("│")[1:-1]] for line in lines]


def normalisation_column(output: str, column: int = 1) -> dict[str, str]:
    names = ("raw (None)", "mass", "max_distance", "mean_move")
    return {row[0]: row[column] for row in table_rows(output) if row and row[0] in names}


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False)

    @app.callback()
    def _root() -> None:  # keeps the sub-command names on the command line, as in the real CLI
        pass

    register(app)
    return app


@pytest.fixture
def run(app):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), env={"COLUMNS": "120"})

    return invoke


def test_no_arguments_runs_the_worked_example(run):
    res = run("wasserstein")
    assert res.exit_code == 0, res.output
    out = res.output
    assert "worked example" in out
    best = W.transport([6, 4, 3, 1], [3, 4, 4, 3], positions=[1, 2, 3, 4])
    values = normalisation_column(out)
    assert (values["raw (None)"], values["mass"], values["max_distance"]) == ("8", "0.5714", "0.1905")
    assert float(values["mean_move"]) == pytest.approx(best.normalized("mean_move"), abs=1e-4)
    for move in best.moves:
        assert move in out


def test_weng_vector_with_normalize(run):
    res = run("wasserstein", "--p", "3,2,1,4", "--q", "1,2,4,3", "--normalize", "mass")
    assert res.exit_code == 0, res.output
    assert res.output.strip().splitlines()[-1] == "distance (normalize=mass, optimal plan): 0.5"


@pytest.mark.parametrize("plan, verdict", [
    ("3,3,0,0;0,1,3,0;0,0,1,2;0,0,0,1", "your plan costs 8: optimal (8)"),
    ("3,0,0,3;0,4,0,0;0,0,3,0;0,0,1,0", "your plan costs 10: 2 more than the optimum (8)"),
    ("3,0,0,3;0,3,1,0;0,0,3,0;0,1,0,0", "your plan costs 12: 4 more than the optimum (8)"),
])
def test_scoring_a_plan(run, plan, verdict):
    res = run("wasserstein", "--plan", plan)
    assert res.exit_code == 0, res.output
    assert verdict in res.output
    assert normalisation_column(res.output, column=2)["raw (None)"] == verdict.split()[3].rstrip(":")


def test_scale_example_and_figure(run, tmp_path):
    fig = tmp_path / "plan.png"
    res = run("wasserstein", "--p", ".2,.2,.2,.2,.2", "--q", "0,.2,.2,.2,.4", "--positions",
              "0,250,500,750,1000", "--figure", str(fig))
    assert res.exit_code == 0, res.output
    values = normalisation_column(res.output)
    assert values["raw (None)"] == "200" and values["max_distance"] == "0.2"
    assert fig.read_bytes()[:8] == PNG_MAGIC


def test_cost_matrix_option(run):
    res = run("wasserstein", "--p", "1,1", "--q", "2", "--cost", "1;3")
    assert res.exit_code == 0, res.output
    assert "1 cell from a2 to b1 (distance 3)" in res.output


@pytest.mark.parametrize("method", ["exact", "sliced", "auto"])
def test_point_clouds(run, tmp_path, method):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 2)), rng.normal(1.0, 1.0, size=(40, 2))
    np.save(tmp_path / "x.npy", x)
    np.savetxt(tmp_path / "y.csv", y, delimiter=",")
    res = run("wasserstein", "--x", str(tmp_path / "x.npy"), "--y", str(tmp_path / "y.csv"),
              "--method", method)
    assert res.exit_code == 0, res.output
    assert f"{W.wasserstein(x, y, method=method):.6g}" in res.output
    assert ("different quantity" in res.output) == (method == "sliced")


def test_divergences_example_1(run, tmp_path):
    fig = tmp_path / "example1.png"
    res = run("divergences", "--theta-range", "-1,1", "--figure", str(fig))
    assert res.exit_code == 0, res.output
    rows = table_rows(res.output)
    # columns: θ, W, JS, KL, TV, dW/dθ, dJS/dθ, dKL/dθ, dTV/dθ
    assert rows == [
        ["-1", "1", "0.6931", "inf", "1", "-1", "0", "0", "0"],
        ["-0.5", "0.5", "0.6931", "inf", "1", "-1", "0", "0", "0"],
        ["0", "0", "0", "0", "0", "0", "0", "0", "0"],
        ["0.5", "0.5", "0.6931", "inf", "1", "1", "0", "0", "0"],
        ["1", "1", "0.6931", "inf", "1", "1", "0", "0", "0"],
    ]
    assert fig.read_bytes()[:8] == PNG_MAGIC


def test_divergences_of_histograms(run):
    res = run("divergences", "--p", "6,4,3,1", "--q", "3,4,4,3")
    assert res.exit_code == 0, res.output
    d = W.divergences([6, 4, 3, 1], [3, 4, 4, 3])
    assert "0.2143" in res.output and f"{d.w1:.4f}" in res.output


@pytest.mark.parametrize("args, message", [
    (("wasserstein", "--p", "6,4,x", "--q", "3,4,4,3"), "--p: expected comma-separated numbers"),
    (("wasserstein", "--p", "6,4,3,1"), "give both --p and --q"),
    (("wasserstein", "--p", "1,2", "--q", "1,1"), "--p and --q have unequal total mass (3 and 2)"),
    (("wasserstein", "--p", "1,2", "--q", "1,1"), "Pass --renormalize to compare them"),
    (("wasserstein", "--p", "1,-1", "--q", "0,0"), "--p must be non-negative, but --p at x2 = -1"),
    (("wasserstein", "--p", "1,2", "--q", "1,nan"), "--q must be finite, but --q at x2 = nan"),
    (("wasserstein", "--plan", "3,3,0,0;0,1,3,0;0,0,1,2;0,0,0,2"),
     "--plan's row sums must equal --p: row x4 sums to 2 but --p at x4 = 1"),
    (("wasserstein", "--plan", "-3,3,0,0;0,1,3,0;0,0,1,2;0,0,0,1"), "--plan row x1, column x1 = -3"),
    (("wasserstein", "--plan", "1,2;3,4"), "--plan must have shape (cells of --p, cells of --q) = (4, 4)"),
    (("wasserstein", "--p", "1,1", "--q", "1,1", "--positions", "1,2,3"), "--positions has 3 entries"),
    (("divergences", "--p", "1,2", "--q", "1,-1"), "--q must be non-negative, but --q at x2 = -1"),
    (("wasserstein", "--normalize", "median"), "unknown normalisation 'median'"),
    (("wasserstein", "--plan", "1,2;3"), "--plan: every row"),
    (("wasserstein", "--plan", "6,0,0,0;0,4,0,0;0,0,3,0;0,0,0,1"), "--plan's column sums must equal --q"),
    (("wasserstein", "--x", "missing.npy", "--y", "missing.npy"), "no such file"),
    (("wasserstein", "--x", "a.npy"), "give both --x and --y"),
    (("wasserstein", "--x", "a.npy", "--y", "b.npy", "--p", "1"), "--p go with histograms"),
    (("divergences", "--theta-range", "1,-1"), "--theta-range: expected two numbers"),
    (("divergences", "--p", "1,2", "--q", "1,2", "--figure", "x.png"), "--figure draws Example 1"),
])
def test_user_errors_raise_value_errors(run, args, message):
    res = run(*args)
    assert res.exit_code != 0
    assert isinstance(res.exception, ValueError | FileNotFoundError), res.output
    assert message in str(res.exception)


def test_solver_failure_exits_with_1(run, monkeypatch):
    def fake_emd(a, b, M, numItermax, log):
        return np.zeros_like(M), {"cost": 0.0, "result_code": 0, "warning": "infeasible"}

    import ot

    monkeypatch.setattr(ot, "emd", fake_emd)
    res = run("wasserstein")
    assert res.exit_code == 1
    assert "error: exact transport failed" in res.output


def test_main_cli_turns_value_errors_into_exit_code_2(capsys):
    cli = pytest.importorskip("gandojo.cli", reason="the main CLI lives in the main package")
    assert cli.main(["wasserstein", "--p", "1,2", "--q", "1,1"]) == 2
    assert "error: --p and --q have unequal total mass" in capsys.readouterr().err
    assert cli.main(["wasserstein"]) == 0
