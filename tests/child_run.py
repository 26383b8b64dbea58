"""A `gandojo train` process that pauses in the middle of a chosen generator step, for kill and signal tests.

    python tests/child_run.py STEP MARKER GO -- train ARGS...
    python tests/child_run.py --serve

Runs the real CLI (``gandojo.cli.main``) in this process, with one change: during generator step STEP (the
STEP-th generator step this process runs), between the generator's loss and its update, it creates the file
MARKER and waits until the file GO exists (at most 10 minutes). A test that waits for MARKER therefore knows
exactly where the run is: mid-step STEP, with every checkpoint of the earlier steps on disk and none of later
ones. Polling a file that nobody deletes is safe; the step counter cannot run ahead of the test. When the
command returns, its exit code is written to MARKER.exit. Under torchrun, ``{rank}`` in MARKER is this rank.

``--serve`` imports everything once and then, for each JSON line ``{"step", "marker", "go", "args"}`` on
standard input, forks a process that does the above (its standard output discarded) and prints
``{"pid": PID}``, then ``{"code": C}`` once that process ended (C its exit code, -9 when SIGKILLed): the kill storm
starts ten training processes without paying ten interpreter starts.
"""

import json
import os
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


def run(step: int, marker: str, go: str, args: list[str]) -> int:
    marker_path = Path(marker.replace("{rank}", os.environ.get("RANK", "0")))
    spec = objectives.OBJECTIVES["gan"]
    objectives.OBJECTIVES["gan"] = replace(spec, g_loss=pausing(spec.g_loss, step, marker_path, Path(go)))
    code = main(args)
    marker_path.with_name(marker_path.name + ".exit").write_text(str(code))
    return code


def serve() -> None:
    # Imported once here and shared by every forked run: torch, and what a training run imports on first use
    # (torch.optim's first parameter group imports torch._dynamo, about 2 s; the exact W solver imports POT).
    import matplotlib.backends.backend_agg  # noqa: F401
    import ot  # noqa: F401
    import torch._dynamo  # noqa: F401

    import gandojo.cli.train  # noqa: F401
    import gandojo.runs.runner  # noqa: F401
    import gandojo.viz.training  # noqa: F401

    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the training process
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            code = 1
            try:
                code = run(request["step"], request["marker"], request["go"], request["args"])
            finally:
                os._exit(code)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"code": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
        sys.exit(0)
    step, marker, go, dashes, *args = sys.argv[1:]
    assert dashes == "--", "usage: child_run.py STEP MARKER GO -- train ARGS..."
    sys.exit(run(int(step), marker, go, args))
