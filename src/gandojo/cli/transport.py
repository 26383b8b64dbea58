"""``gandojo wasserstein`` and ``gandojo divergences``: parse options, call :mod:`gandojo.distances`, print.

No maths here: every number comes from :mod:`gandojo.distances`, every figure from
:mod:`gandojo.viz.transport`. Bad input raises ``ValueError``, which the main CLI prints as one line
(``error: ...``) with exit code 2; a solver failure prints ``error: ...`` and exits with code 1.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from gandojo.errors import TransportError
from gandojo.formatting import short_number

if TYPE_CHECKING:
    import numpy as np

    from gandojo.distances import TransportResult

# The maths (NumPy, SciPy, POT) is imported inside each command, so `gandojo --help` does not load it.
console = Console(highlight=False, soft_wrap=True)

# The worked example (P and Q of 14 cells on four positions), used when `gandojo wasserstein` gets no histograms.
WORKED_P, WORKED_Q, WORKED_POSITIONS = "6,4,3,1", "3,4,4,3", "1,2,3,4"


def _numbers(text: str, option: str) -> list[float]:
    try:
        values = [float(tok) for tok in text.split(",")]
    except ValueError:
        raise ValueError(f"{option}: expected comma-separated numbers like 6,4,3,1, got {text!r}") from None
    return values


def _matrix(text: str, option: str) -> list[list[float]]:
    rows = [_numbers(row, option) for row in text.strip().strip(";").split(";")]
    if len({len(r) for r in rows}) != 1:
        raise ValueError(f"{option}: every row (separated by ';') needs the same number of entries, "
                         f"got rows of lengths {[len(r) for r in rows]}")
    return rows


def _load_points(path: Path, option: str) -> np.ndarray:
    import numpy as np

    if not path.exists():
        raise FileNotFoundError(f"{option}: no such file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if suffix in (".csv", ".txt"):
        return np.loadtxt(path, delimiter="," if suffix == ".csv" else None, ndmin=1)
    raise ValueError(f"{option}: expected a .npy, .csv or .txt file of points (one per row), got {path.name}")


# The library names its arguments (a, b, plan, ...) and counts cells from 0; the command line calls them
# --p, --q, --plan, ... and numbers cells x1..xn in its tables. Errors are retold in the command's words.
OPTIONS = {"a": "--p", "b": "--q", "p": "--p", "q": "--q", "plan": "--plan", "cost": "--cost",
           "positions": "--positions"}
_NAME = r"(?<![-\w])"  # a library name standing alone (not the end of an option such as --p)
_RETELL = [
    (_NAME + r"(plan|cost)\[(\d+), (\d+)\]",
     lambda m: f"{OPTIONS[m[1]]} row x{int(m[2]) + 1}, column x{int(m[3]) + 1}"),
    (_NAME + r"(a|b|p|q|positions)\[(\d+)\]", lambda m: f"{OPTIONS[m[1]]} at x{int(m[2]) + 1}"),
    (_NAME + r"(row|column) (\d+) sums", lambda m: f"{m[1]} x{int(m[2]) + 1} sums"),
    (_NAME + r"len\((a|b)\)", lambda m: f"cells of {OPTIONS[m[1]]}"),
    (_NAME + r"(a|p) and (b|q)\b", lambda m: f"{OPTIONS[m[1]]} and {OPTIONS[m[2]]}"),
    (r"^(a|b|p|q|plan|cost|positions)('s)? ", lambda m: f"{OPTIONS[m[1]]}{m[2] or ''} "),
    (r"sums must equal (a|b)\b", lambda m: f"sums must equal {OPTIONS[m[1]]}"),
    (r", (a|b) \[", lambda m: f", {OPTIONS[m[1]]} ["),
    (_NAME + r"a has (\d+) cells and b has", lambda m: f"--p has {m[1]} cells and --q has"),
    (r"renormalize=True", lambda m: "--renormalize"),
    (_NAME + r"pass a cost matrix", lambda m: "pass --cost"),
]


def in_cli_words(message: str) -> str:
    """A library error retold with the command's option names and cell numbers.

    >>> in_cli_words("a must be non-negative, but a[1] = -2")
    '--p must be non-negative, but --p at x2 = -2'
    >>> in_cli_words("plan's row sums must equal a: row 3 sums to 2 but a[3] = 1 (sums [6, 2], a [6, 1])")
    "--plan's row sums must equal --p: row x4 sums to 2 but --p at x4 = 1 (sums [6, 2], --p [6, 1])"
    """
    for pattern, replace in _RETELL:
        message = re.sub(pattern, replace, message)
    return message


def _normalisation_rows(result: TransportResult) -> list[tuple[str, str, str]]:
    moved = short_number(result.moved_mass)
    return [
        ("raw (None)", short_number(result.normalized(None)), "total mass x distance"),
        ("mass", short_number(result.normalized("mass")), f"per unit of mass ({short_number(result.mass)})"),
        ("max_distance", short_number(result.normalized("max_distance")),
         f"per mass / largest distance ({short_number(result.max_distance)})"),
        ("mean_move", short_number(result.normalized("mean_move")), f"per unit moved by the plan ({moved})"),
    ]


def _plan_table(result: TransportResult, title: str) -> Table:
    shared = result.positions is not None
    rows, cols = result.plan.shape
    table = Table(title=title, title_justify="left")
    table.add_column("from \\ to")
    for j in range(cols):
        table.add_column(f"{'x' if shared else 'b'}{j + 1} ({short_number(result.b[j])})", justify="right")
    for i in range(rows):
        label = f"{'x' if shared else 'a'}{i + 1} ({short_number(result.a[i])})"
        table.add_row(label, *(short_number(v) if v else "." for v in result.plan[i]))
    return table


def _print_moves(result: TransportResult) -> None:
    moves = result.moves
    console.print("moves:" if moves else "moves: none, P already equals Q", markup=False)
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
    with _cli_words():
        _wasserstein(p, q, positions, cost, normalize, renormalize, plan, figure, x, y, method, projections,
                     seed, order)

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
    with _cli_words():
        _divergences(theta_range, points, figure, p, q, positions, renormalize)


def _point_clouds(x: Path, y: Path, *, method: str, projections: int, seed: int, order: float) -> None:
    from gandojo.distances import cloud_distance

    xs, ys = _load_points(x, "--x"), _load_points(y, "--y")
    try:
        result = cloud_distance(xs, ys, p=order, method=method, n_projections=projections, seed=seed)
    except TransportError as exc:
        console.print(f"error: {exc}", markup=False)
        raise typer.Exit(1) from None
    value, used = result.value, result.method
    table = Table(title="Wasserstein distance between point clouds", title_justify="left")
    for name in ("X", "Y", "d", "method", f"W_{short_number(order)}"):
        table.add_column(name, justify="right")
    label = {"exact": "exact (POT network simplex)", "exact-1d": "exact (sorted 1-D)",
             "sliced": f"sliced, {projections} directions, seed {seed}"}[used]
    table.add_row(str(result.n), str(result.m), str(result.d), label, f"{value:.6g}")
    console.print(table)
    if used == "sliced":
        console.print("The sliced distance is an estimate of a different quantity (the mean W over 1-D "
                      "projections), smaller than the exact W: compare it only with other sliced values.",
                      markup=False)


@contextlib.contextmanager
def _cli_words():
    """Retell a ValueError from the library in the command's words (:func:`in_cli_words`)."""
    try:
        yield
    except ValueError as err:
        raise ValueError(in_cli_words(str(err))) from None


def _wasserstein(p, q, positions, cost, normalize, renormalize, plan, figure, x, y, method, projections, seed,
                 order) -> None:
    from gandojo.distances import score_plan, transport

    if x is not None or y is not None:
        histogram_options = {"--p": p, "--q": q, "--positions": positions, "--cost": cost, "--plan": plan,
                             "--normalize": normalize, "--figure": figure}
        given = [k for k, v in histogram_options.items() if v is not None]
        if given:
            raise ValueError(f"{', '.join(given)} go with histograms, not with --x/--y point clouds")
        if x is None or y is None:
            raise ValueError("give both --x and --y")
        _point_clouds(x, y, method=method, projections=projections, seed=seed, order=order)
        return
    if (p is None) != (q is None):
        raise ValueError("give both --p and --q (or neither, for the worked example)")
    if p is None or q is None:
        p, q = WORKED_P, WORKED_Q
        if positions is None and cost is None:
            positions = WORKED_POSITIONS
        console.print("The worked example: 14 cells of P moved onto Q at positions 1..4.", markup=False)
    a, b = _numbers(p, "--p"), _numbers(q, "--q")
    pos = None if positions is None else _numbers(positions, "--positions")
    c = None if cost is None else _matrix(cost, "--cost")
    try:
        best = transport(a, b, c, positions=pos, renormalize=renormalize)
    except TransportError as exc:
        console.print(f"error: {exc}", markup=False)
        raise typer.Exit(1) from None
    headline = best.normalized(normalize)  # also rejects an unknown --normalize early
    given = None
    if plan is not None:
        if renormalize:
            raise ValueError("--plan cannot be combined with --renormalize: give the plan in the "
                             "histograms' own units")
        given = score_plan(_matrix(plan, "--plan"), a, b, c, positions=pos)

    where = ("cost matrix given" if best.positions is None
             else "positions " + ", ".join(short_number(v) for v in best.positions[:, 0])
             if best.positions.shape[1] == 1 else f"{best.positions.shape[1]}-D positions")
    masses = [", ".join(short_number(v) for v in side) for side in (best.a, best.b)]
    console.print(f"P = {masses[0]}; Q = {masses[1]}; {where}", markup=False)
    table = Table(title="earth mover's distance", title_justify="left")
    table.add_column("normalize")
    table.add_column("optimal", justify="right")
    if given is not None:
        table.add_column("your plan", justify="right")
    table.add_column("meaning")
    for (name, value, meaning), theirs in zip(
        _normalisation_rows(best),
        _normalisation_rows(given) if given is not None else [None] * 4,
        strict=True,
    ):
        table.add_row(name, value, *([theirs[1]] if theirs else []), meaning)
    console.print(table)
    console.print(_plan_table(best, "an optimal plan (rows: from, columns: to)"))
    _print_moves(best)
    console.print("Optimal plans are often not unique, and mean_move differs between them: compare "
                  "costs, not plans.", markup=False)
    if given is not None:
        console.print(_plan_table(given, "your plan"))
        _print_moves(given)
        extra = given.excess_cost(best)
        verdict = "optimal" if extra == 0 else f"{short_number(extra)} more than the optimum"
        console.print(f"your plan costs {short_number(given.distance)}: {verdict} ({short_number(best.distance)})",
                      markup=False)
    if normalize is not None:
        console.print(f"distance (normalize={normalize}, optimal plan): {short_number(headline)}", markup=False)
    if figure is not None:
        from gandojo.viz.transport import plot_transport

        path = plot_transport(given if given is not None else best, figure)
        console.print(f"figure: {path}", markup=False)


def _divergences(theta_range, points, figure, p, q, positions, renormalize) -> None:
    import numpy as np

    from gandojo.distances import divergences
    from gandojo.lessons import parallel_lines

    if (p is None) != (q is None):
        raise ValueError("give both --p and --q")
    if p is not None and q is not None:
        d = divergences(_numbers(p, "--p"), _numbers(q, "--q"),
                          positions=None if positions is None else _numbers(positions, "--positions"),
                          renormalize=renormalize)
        table = Table(title="P vs Q as distributions", title_justify="left")
        table.add_column("measure")
        table.add_column("value", justify="right")
        for name, value in (("KL(P || Q)", d.kl_pq), ("KL(Q || P)", d.kl_qp), ("JS (nats)", d.js),
                            ("JS (bits)", d.js_bits), ("TV", d.tv), ("W1", d.w1)):
            table.add_row(name, short_number(value))
        console.print(table)
        if figure is not None:
            raise ValueError("--figure draws Example 1; leave out --p/--q to use it")
        return
    lo, hi = _numbers(theta_range, "--theta-range") if "," in theta_range else (None, None)
    if lo is None or hi is None or not lo < hi:
        raise ValueError(f"--theta-range: expected two numbers low,high with low < high, "
                         f"got {theta_range!r}")
    if points < 1:
        raise ValueError(f"--points must be at least 1, got {points}")
    r = parallel_lines(np.linspace(lo, hi, points))
    table = Table(title="Example 1: P0 = (0, Z), Pθ = (θ, Z), Z ~ U[0, 1]", title_justify="left")
    for name in ("θ", "W", "JS", "KL", "TV", "dW/dθ", "dJS/dθ", "dKL/dθ", "dTV/dθ"):
        table.add_column(name, justify="right")
    for k in range(points):
        table.add_row(*(short_number(float(v[k])) for v in (r.theta, r.w, r.js, r.kl, r.tv,
                                                     r.grad_w, r.grad_js, r.grad_kl, r.grad_tv)))
    console.print(table)
    console.print("Only W changes with θ: its gradient sign(θ) points back to θ = 0 from everywhere, "
                  "while JS, KL and TV are flat (gradient 0) until the lines coincide.", markup=False)
    if figure is not None:
        from gandojo.viz.transport import plot_parallel_lines

        path = plot_parallel_lines(figure, theta_range=(lo, hi))
        console.print(f"figure: {path}", markup=False)


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
