"""The README's worked examples, run: every `gandojo wasserstein` / `gandojo divergences` command it shows and
the values of its Python examples. Deterministic; a few seconds.

    python benchmarks/bench_readme_examples.py

Writes benchmarks/results/readme_examples.txt (each command followed by what it printed).
"""

from __future__ import annotations

import contextlib
import io
import shlex
import sys
from pathlib import Path

import numpy as np

from gandojo.cli import main as cli
from gandojo.distances import transport, wasserstein

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded import recorded  # noqa: E402

COMMANDS = [
    "gandojo wasserstein",
    'gandojo wasserstein --plan "3,0,0,3;0,4,0,0;0,0,3,0;0,0,1,0"',
    'gandojo wasserstein --plan "3,0,0,3;0,3,1,0;0,0,3,0;0,1,0,0"',
    'gandojo wasserstein --plan "3,3,0,0;0,1,3,0;0,0,1,2;0,0,0,1"',
    'gandojo wasserstein --plan "3,0,1,2;0,4,0,0;0,0,3,0;0,0,0,1"',
    "gandojo wasserstein --p 3,2,1,4 --q 1,2,4,3",
    "gandojo wasserstein --p .2,.2,.2,.2,.2 --q 0,.2,.2,.2,.4 --positions 0,.25,.5,.75,1",
    "gandojo wasserstein --p .2,.2,.2,.2,.2 --q 0,.2,.2,.2,.4 --positions 0,250,500,750,1000",
    "gandojo divergences",
]


def main(argv: list[str] | None = None) -> None:
    with recorded("readme_examples", "python benchmarks/bench_readme_examples.py"):
        for command in COMMANDS:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code = cli(shlex.split(command)[1:])
            print(f"$ {command}\n{out.getvalue().rstrip()}\n(exit code {code})\n", flush=True)
        r = transport([6, 4, 3, 1], [3, 4, 4, 3], positions=[1, 2, 3, 4])
        print(">>> r = transport([6, 4, 3, 1], [3, 4, 4, 3], positions=[1, 2, 3, 4])")
        print(f">>> r.distance, r.normalized('mass'), r.moves[0]\n{(r.distance, r.normalized('mass'), r.moves[0])}")
        x = np.random.default_rng(0).normal(size=(1000, 2))
        print(">>> x = np.random.default_rng(0).normal(size=(1000, 2))")
        exact, sliced = wasserstein(x, x + [3, 4]), wasserstein(x, x + [3, 4], method="sliced")
        print(f">>> wasserstein(x, x + [3, 4])\n{exact}")
        print(f">>> wasserstein(x, x + [3, 4], method='sliced')\n{sliced}")
        print(f"rounded: exact {exact:.1f} (off by {abs(exact - 5):.0e}), sliced {sliced:.2f}; "
              f"5 * 2 / pi = {5 * 2 / np.pi:.2f}")


if __name__ == "__main__":
    main()
