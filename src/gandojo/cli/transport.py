"""``gandojo wasserstein`` and ``gandojo divergences``: parse options, call :mod:`gandojo.distances`, print.

No maths here: every number comes from :mod:`gandojo.distances`, every figure from :mod:`gandojo.viz.transport`,
point files are read by the data loader (:func:`gandojo.data.read_points`). The library's input errors name the
argument and entry they concern (:class:`~gandojo.errors.ArgumentError`); they are told here in the command's
words (``--p at x2``), as one line (``error: ...``) with exit code 2. A solver failure prints ``error: ...`` and
exits with code 1.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from gandojo.cli.lazy import lazy_import
from gandojo.errors import ArgumentError, Names, TransportError
from gandojo.formatting import short_number
from gandojo.i18n import N_, _

if TYPE_CHECKING:
    from gandojo.distances import TransportResult

data = lazy_import("gandojo.data")
distances = lazy_import("gandojo.distances")
figures = lazy_import("gandojo.viz.transport")
lessons = lazy_import("gandojo.lessons")

console = Console(highlight=False, soft_wrap=True)

# The worked example (P and Q of 14 cells on four positions), used when `gandojo wasserstein` gets no histograms.
WORKED_P, WORKED_Q, WORKED_POSITIONS = "6,4,3,1", "3,4,4,3", "1,2,3,4"

# The library's argument names as this command calls them, with cells numbered x1..xn as in its tables.
CLI_NAMES = Names({"a": "--p", "b": "--q", "p": "--p", "q": "--q", "plan": "--plan", "cost": "--cost",
                   "positions": "--positions", "x": "--x", "y": "--y", "renormalize": "--renormalize"}, cells=True)


def _numbers(text: str, option: str) -> list[float]:
    try:
        values = [float(tok) for tok in text.split(",")]
    except ValueError:
        raise ValueError(_("{option}: expected comma-separated numbers like 6,4,3,1, got {text!r}").format(
            option=option, text=text)) from None
    return values


def _matrix(text: str, option: str) -> list[list[float]]:
    rows = [_numbers(row, option) for row in text.strip().strip(";").split(";")]
    if len({len(r) for r in rows}) != 1:
        raise ValueError(_("{option}: every row (separated by ';') needs the same number of entries, got rows of "
                           "lengths {lengths}").format(option=option, lengths=[len(r) for r in rows]))
    return rows


def _points(path: Path, option: str):
    """A point file for ``option`` (.npy, .npz, .csv, .txt), read and checked by the data loader."""
    if not path.exists():
        raise FileNotFoundError(_("{option}: no such file: {path}").format(option=option, path=path))
    return data.read_points(path)[0]


def _only_one_of(given: dict[str, object], others: dict[str, object], why: str) -> None:
    """Options that cannot be combined: ``given`` (set) against ``others`` (each set one is named)."""
    clash = [name for name, value in others.items() if value is not None]
    if any(value is not None for value in given.values()) and clash:
        raise ValueError(_("{options} {why}").format(options=", ".join(clash), why=_(why)))


@contextlib.contextmanager
def _cli_words():
    """The library's input errors, told with this command's option names and cell numbers."""
    try:
        yield
    except ArgumentError as err:
        raise ValueError(err.told(CLI_NAMES)) from None


def _normalisation_rows(result: TransportResult) -> list[tuple[str, str, str]]:
    moved = short_number(result.moved_mass)
    return [
        ("raw (None)", short_number(result.normalized(None)), _("total mass x distance")),
        ("mass", short_number(result.normalized("mass")),
         _("per unit of mass ({mass})").format(mass=short_number(result.mass))),
        ("max_distance", short_number(result.normalized("max_distance")),
         _("per mass / largest distance ({distance})").format(distance=short_number(result.max_distance))),
        ("mean_move", short_number(result.normalized("mean_move")),
         _("per unit moved by the plan ({moved})").format(moved=moved)),
    ]


def _plan_table(result: TransportResult, title: str) -> Table:
    shared = result.positions is not None
    rows, cols = result.plan.shape
    table = Table(title=title, title_justify="left")
    table.add_column(_("from \\ to"))
    for j in range(cols):
        table.add_column(f"{'x' if shared else 'b'}{j + 1} ({short_number(result.b[j])})", justify="right")
    for i in range(rows):
        label = f"{'x' if shared else 'a'}{i + 1} ({short_number(result.a[i])})"
        table.add_row(label, *(short_number(v) if v else "." for v in result.plan[i]))
    return table


def _print_moves(result: TransportResult) -> None:
    moves = result.moves
    console.print(_("moves:") if moves else _("moves: none, P already equals Q"), markup=False)
    for line in moves:
        console.print(f"  {line}", markup=False)



def wasserstein_command(
    p: Annotated[str | None, typer.Option("--p", help="Histogram P (masses to move), e.g. 6,4,3,1.")]
    = None,
    q: Annotated[str | None, typer.Option("--q", help="Histogram Q (masses to fill), e.g. 3,4,4,3.")]
    = None,
    positions: Annotated[str | None, typer.Option(help="Positions of the cells, e.g. 1,2,3,4 "
                                                  "(default 1..n).")] = None,
    cost: Annotated[str | None, typer.Option(help="Ground cost matrix instead of positions, rows "
                                             "separated by ';', e.g. \"0,1;1,0\".")] = None,
    normalize: Annotated[str | None, typer.Option(help="Also print this one value last: mass, "
                                                  "max_distance or mean_move.")] = None,
    renormalize: Annotated[bool, typer.Option("--renormalize", help="Scale P and Q to unit mass "
                                              "each (otherwise unequal masses are an error).")] = False,
    plan: Annotated[str | None, typer.Option(help="A plan to score against the optimum, rows (from) "
                                             "separated by ';', e.g. "
                                             "\"3,3,0,0;0,1,3,0;0,0,1,2;0,0,0,1\".")] = None,
    figure: Annotated[Path | None, typer.Option(help="Draw P, Q and the plan's moves into this PNG.")]
    = None,
    x: Annotated[Path | None, typer.Option("--x", help="Point cloud X (.npy, .csv, .txt; one point "
                                           "per row) instead of histograms.")] = None,
    y: Annotated[Path | None, typer.Option("--y", help="Point cloud Y.")] = None,
    method: Annotated[str, typer.Option(help="For --x/--y: exact, sliced, or auto (exact up to "
                                        "2000 points).")] = "exact",
    projections: Annotated[int, typer.Option(help="For sliced: number of random directions.")] = 100,
    seed: Annotated[int, typer.Option(help="For sliced: seed of the directions.")] = 0,
    order: Annotated[float, typer.Option(help="For --x/--y: the order p of W_p.")] = 1.0,
) -> None:
    """Earth mover's distance between two histograms (with the plan and its moves) or two point clouds.

    With no arguments it runs the worked example: P = 6,4,3,1 and Q = 3,4,4,3 at positions 1..4.
    """
    _only_one_of({"--x": x, "--y": y}, {"--p": p, "--q": q, "--positions": positions, "--cost": cost, "--plan": plan,
                                        "--normalize": normalize, "--figure": figure},
                 N_("go with histograms, not with --x/--y point clouds"))
    with _cli_words():
        if x is not None or y is not None:
            if x is None or y is None:
                raise ValueError(_("give both --x and --y"))
            _point_clouds(_points(x, "--x"), _points(y, "--y"), method=method, projections=projections, seed=seed,
                          order=order)
        else:
            _histograms(p, q, positions=positions, cost=cost, normalize=normalize, renormalize=renormalize,
                        plan=plan, figure=figure)


def divergences_command(
    theta_range: Annotated[str, typer.Option(help="Example 1: θ from,to (write --theta-range=-1,1).")]
    = "-1,1",
    points: Annotated[int, typer.Option(help="Example 1: how many θ values to tabulate.")] = 5,
    figure: Annotated[Path | None, typer.Option(help="Example 1: plot W, JS, KL, TV and their gradients "
                                                "against θ into this PNG.")] = None,
    p: Annotated[str | None, typer.Option("--p", help="Histogram P, e.g. 6,4,3,1 (instead of "
                                          "Example 1).")] = None,
    q: Annotated[str | None, typer.Option("--q", help="Histogram Q on the same cells.")] = None,
    positions: Annotated[str | None, typer.Option(help="With --p/--q: positions of the cells for W1.")]
    = None,
    renormalize: Annotated[bool, typer.Option("--renormalize", help="With --p/--q: normalise each "
                                              "histogram on its own.")] = False,
) -> None:
    """KL, JS, TV and W1: for two histograms, or along the WGAN paper's Example 1 (two parallel lines).

    Example 1 shows why WGAN trains where GAN stalls: between P0 = (0, Z) and Pθ = (θ, Z) only the
    Wasserstein distance changes with θ; JS, KL and TV are constant, so their gradient is 0.
    """
    if (p is None) != (q is None):
        raise ValueError(_("give both --p and --q"))
    with _cli_words():
        if p is not None and q is not None:
            _only_one_of({"--p": p}, {"--figure": figure}, N_("draws Example 1; leave out --p/--q to use it"))
            _histogram_divergences(p, q, positions, renormalize)
        else:
            _example_one(theta_range, points, figure)


def _point_clouds(xs, ys, *, method: str, projections: int, seed: int, order: float) -> None:
    try:
        result = distances.cloud_distance(xs, ys, p=order, method=method, n_projections=projections, seed=seed)
    except TransportError as exc:
        console.print(_("error: {message}").format(message=exc), markup=False)
        raise typer.Exit(1) from None
    value, used = result.value, result.method
    table = Table(title=_("Wasserstein distance between point clouds"), title_justify="left")
    for name in ("X", "Y", "d", "method", f"W_{short_number(order)}"):
        table.add_column(name, justify="right")
    label = {"exact": _("exact (POT network simplex)"), "exact-1d": _("exact (sorted 1-D)"),
             "sliced": _("sliced, {projections} directions, seed {seed}").format(projections=projections,
                                                                                seed=seed)}[used]
    table.add_row(str(result.n), str(result.m), str(result.d), label, f"{value:.6g}")
    console.print(table)
    if used == "sliced":
        console.print(_("The sliced distance is an estimate of a different quantity (the mean W over 1-D "
                        "projections), smaller than the exact W: compare it only with other sliced values."),
                      markup=False)


def _histograms(p: str | None, q: str | None, *, positions: str | None, cost: str | None, normalize: str | None,
                renormalize: bool, plan: str | None, figure: Path | None) -> None:
    """The optimal plan between two histograms, its normalisations and moves, and a plan of the user's beside it."""
    if (p is None) != (q is None):
        raise ValueError(_("give both --p and --q (or neither, for the worked example)"))
    if plan is not None and renormalize:
        raise ValueError(_("--plan cannot be combined with --renormalize: give the plan in the histograms' own "
                           "units"))
    if p is None or q is None:
        p, q = WORKED_P, WORKED_Q
        if positions is None and cost is None:
            positions = WORKED_POSITIONS
        console.print(_("The worked example: 14 cells of P moved onto Q at positions 1..4."), markup=False)
    a, b = _numbers(p, "--p"), _numbers(q, "--q")
    pos = None if positions is None else _numbers(positions, "--positions")
    c = None if cost is None else _matrix(cost, "--cost")
    try:
        best = distances.transport(a, b, c, positions=pos, renormalize=renormalize)
    except TransportError as exc:
        console.print(_("error: {message}").format(message=exc), markup=False)
        raise typer.Exit(1) from None
    headline = best.normalized(normalize)  # also rejects an unknown --normalize early
    given = None
    if plan is not None:
        given = distances.score_plan(_matrix(plan, "--plan"), a, b, c, positions=pos)

    where = (_("cost matrix given") if best.positions is None
             else _("positions {values}").format(values=", ".join(short_number(v) for v in best.positions[:, 0]))
             if best.positions.shape[1] == 1 else _("{d}-D positions").format(d=best.positions.shape[1]))
    masses = [", ".join(short_number(v) for v in side) for side in (best.a, best.b)]
    console.print(f"P = {masses[0]}; Q = {masses[1]}; {where}", markup=False)
    table = Table(title=_("earth mover's distance"), title_justify="left")
    table.add_column("normalize")
    table.add_column(_("optimal"), justify="right")
    if given is not None:
        table.add_column(_("your plan"), justify="right")
    table.add_column(_("meaning"))
    for (name, value, meaning), theirs in zip(
        _normalisation_rows(best),
        _normalisation_rows(given) if given is not None else [None] * 4,
        strict=True,
    ):
        table.add_row(name, value, *([theirs[1]] if theirs else []), meaning)
    console.print(table)
    console.print(_plan_table(best, _("an optimal plan (rows: from, columns: to)")))
    _print_moves(best)
    console.print(_("Optimal plans are often not unique, and mean_move differs between them: compare "
                    "costs, not plans."), markup=False)
    if given is not None:
        console.print(_plan_table(given, _("your plan")))
        _print_moves(given)
        extra = given.excess_cost(best)
        verdict = _("optimal") if extra == 0 else _("{extra} more than the optimum").format(extra=short_number(extra))
        console.print(_("your plan costs {cost}: {verdict} ({best})").format(
            cost=short_number(given.distance), verdict=verdict, best=short_number(best.distance)), markup=False)
    if normalize is not None:
        console.print(_("distance (normalize={normalize}, optimal plan): {value}").format(
            normalize=normalize, value=short_number(headline)), markup=False)
    if figure is not None:
        path = figures.plot_transport(given if given is not None else best, figure)
        console.print(_("figure: {path}").format(path=path), markup=False)


def _histogram_divergences(p: str, q: str, positions: str | None, renormalize: bool) -> None:
    d = distances.divergences(_numbers(p, "--p"), _numbers(q, "--q"),
                              positions=None if positions is None else _numbers(positions, "--positions"),
                              renormalize=renormalize)
    table = Table(title=_("P vs Q as distributions"), title_justify="left")
    table.add_column(_("measure"))
    table.add_column(_("value"), justify="right")
    for name, value in (("KL(P || Q)", d.kl_pq), ("KL(Q || P)", d.kl_qp), ("JS (nats)", d.js),
                        ("JS (bits)", d.js_bits), ("TV", d.tv), ("W1", d.w1)):
        table.add_row(name, short_number(value))
    console.print(table)


def _example_one(theta_range: str, points: int, figure: Path | None) -> None:
    lo, hi = _numbers(theta_range, "--theta-range") if "," in theta_range else (None, None)
    if lo is None or hi is None or not lo < hi:
        raise ValueError(_("--theta-range: expected two numbers low,high with low < high, got {text!r}").format(
            text=theta_range))
    if points < 1:
        raise ValueError(_("--points must be at least 1, got {points}").format(points=points))
    r = lessons.parallel_lines([lo + (hi - lo) * k / max(points - 1, 1) for k in range(points)])
    table = Table(title="Example 1: P0 = (0, Z), Pθ = (θ, Z), Z ~ U[0, 1]", title_justify="left")
    for name in ("θ", "W", "JS", "KL", "TV", "dW/dθ", "dJS/dθ", "dKL/dθ", "dTV/dθ"):
        table.add_column(name, justify="right")
    for k in range(points):
        table.add_row(*(short_number(float(v[k])) for v in (r.theta, r.w, r.js, r.kl, r.tv,
                                                     r.grad_w, r.grad_js, r.grad_kl, r.grad_tv)))
    console.print(table)
    console.print(_("Only W changes with θ: its gradient sign(θ) points back to θ = 0 from everywhere, "
                    "while JS, KL and TV are flat (gradient 0) until the lines coincide."), markup=False)
    if figure is not None:
        path = figures.plot_parallel_lines(figure, theta_range=(lo, hi))
        console.print(_("figure: {path}").format(path=path), markup=False)


WASSERSTEIN_EXAMPLES = ("Examples:\n\n"
                        "  gandojo wasserstein\n\n"
                        "  gandojo wasserstein --p 3,2,1,4 --q 1,2,4,3 --normalize mass\n\n"
                        "  gandojo wasserstein --plan \"3,0,0,3;0,4,0,0;0,0,3,0;0,0,1,0\" --figure plan.png\n\n"
                        "  gandojo wasserstein --p .2,.2,.2,.2,.2 --q 0,.2,.2,.2,.4 --positions 0,250,500,750,1000\n\n"
                        "  gandojo wasserstein --x generated.npy --y real.npy --method auto")
DIVERGENCES_EXAMPLES = ("Examples:\n\n"
                        "  gandojo divergences\n\n"
                        "  gandojo divergences --theta-range=-2,2 --figure example1.png\n\n"
                        "  gandojo divergences --p 6,4,3,1 --q 3,4,4,3")


def register(app: typer.Typer) -> None:
    """Add the ``wasserstein`` and ``divergences`` commands to ``app``."""
    app.command("wasserstein", epilog=WASSERSTEIN_EXAMPLES)(wasserstein_command)
    app.command("divergences", epilog=DIVERGENCES_EXAMPLES)(divergences_command)
