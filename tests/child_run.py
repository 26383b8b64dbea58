"""A `gandojo train` process that pauses in the middle of a chosen generator step, for kill and Ctrl-C tests.

    python tests/child_run.py STEP MARKER GO -- train ARGS...

Runs the real CLI (``gandojo.cli.main``) in this process, with one change: during generator step STEP,
between the generator's loss and its update, it creates the file MARKER and waits until the file GO
exists (at most 10 minutes). A test that waits for MARKER therefore knows exactly where the run is:
mid-step STEP, with every checkpoint of the earlier steps on disk and none of later ones. Polling a
file that nobody deletes is safe; the step counter cannot run ahead of the test.
"""

import sys
import time
from dataclasses import replace
from pathlib import Path

import gandojo.objectives as objectives
from gandojo.cli import main


def pausing(g_loss, step: int, marker: Path, go: Path):
    calls = {"n": 0}

    def loss(d_fake):
        calls["n"] += 1  # g_loss runs once per generator step
        if calls["n"] == step:
            marker.write_text(str(step))
            deadline = time.monotonic() + 600
            while not go.exists():
                if time.monotonic() > deadline:
                    sys.exit(3)
                time.sleep(0.01)
        return g_loss(d_fake)

    return loss


if __name__ == "__main__":
    step, marker, go, dashes, *args = sys.argv[1:]
    assert dashes == "--", "usage: child_run.py STEP MARKER GO -- train ARGS..."
    spec = objectives.OBJECTIVES["gan"]
    objectives.OBJECTIVES["gan"] = replace(spec, g_loss=pausing(spec.g_loss, int(step), Path(marker), Path(go)))
    sys.exit(main(args))
