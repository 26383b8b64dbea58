"""``gandojo play``: parse the options, start the page's server, print its address."""

from __future__ import annotations

import json
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

import gandojo.config as cfg
from gandojo.catalogue import DATA
from gandojo.cli.app import CacheDir, app, err_console, say
from gandojo.cli.lazy import lazy_import
from gandojo.cli.train import OBJECTIVE_NAMES, _split_overrides
from gandojo.i18n import _

server = lazy_import("gandojo.play.app")
folders = lazy_import("gandojo.runs.folder")
checkpoints = lazy_import("gandojo.runs.checkpoint")

LOCAL = ("127.0.0.1", "localhost", "::1")
POINT_DATA = ", ".join(name for name, entry in DATA.items() if entry.kind == "points")


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": False},
    epilog="Examples:\n\n"
    "  gandojo play\n\n"
    "  gandojo play --data grid25 --objective wgan-gp\n\n"
    "  gandojo play --preset collapse --no-browser --port 8800\n\n"
    "  gandojo play runs/ring8          (a toy run folder, at its checkpoint)\n\n"
    "  gandojo play --data my_points.csv optim.lr=1e-3",
)
def play(
    ctx: typer.Context,
    run_dir: Annotated[Path | None, typer.Argument(help="A toy run folder to open at its newest checkpoint.")]
    = None,
    data: Annotated[str | None, typer.Option(help=f"Data set ({POINT_DATA}) or a path to 1-D or 2-D points (.npy, "
                                             ".npz, .csv, .txt).")] = None,
    preset: Annotated[str | None, typer.Option(help="A bundled preset or a YAML file [default: the best recipe for "
                                               "the data; with --objective, its paper defaults].")] = None,
    objective: Annotated[str | None, typer.Option(help=f"The game: {OBJECTIVE_NAMES}.")] = None,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free one).")] = 8750,
    host: Annotated[str, typer.Option(help="Address to listen on; anything but 127.0.0.1 lets other machines "
                                      "start computation here (a warning says so).")] = "127.0.0.1",
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the address only.")] = False,
    out: Annotated[Path, typer.Option(help="Folder for saved runs, drawings and uploads: the page reads and "
                                      "writes nothing outside it.")] = Path("runs/play"),
    cache_dir: CacheDir = None,
):
    """The game, live, in the browser: D's landscape, G's samples, gradients and manifold, the modes, the metrics.

    Play, pause, step, D only, G only, slow motion, change settings while it runs, draw or upload your own data,
    compare two configurations side by side, save the session as an ordinary run folder. Training runs here, on
    the same Trainer as gandojo train; the page only draws. Ctrl-C stops the server.
    """
    extra = list(ctx.args)
    if run_dir is not None and "=" in run_dir.name and not run_dir.exists():  # an override, not a folder
        extra.insert(0, str(run_dir))
        run_dir = None
    overrides = ([f"data.name={data}"] if data is not None else []) + _split_overrides(extra)
    state = run = None
    source = None
    if run_dir is not None:
        if preset is not None or objective is not None or overrides:
            raise ValueError(_("a run folder opens as it was saved; --data, --preset, --objective and overrides "
                               "are for a new session"))
        payload, checkpoint, notes = folders.find_resumable(run_dir)
        for note in notes:
            err_console.print(_("warning: {message}").format(message=note), markup=False)
        if payload is None:
            raise ValueError(_("{run} has no checkpoint yet").format(run=run_dir))
        config = checkpoints.checkpoint_config(payload)
        state = payload["trainer"]
        run = json.loads(payload["run"]) if "run" in payload else None
        source = f"{run_dir} (step {int(state['g_step'])}, {checkpoint.name})"
    else:
        config, _notes = cfg.requested_config(preset=preset, objective=objective, data=data, overrides=overrides)
    settings = server.PlaySettings(config=config, out=out, host=host, port=port, state=state, run=run,
                                   source=source, cache_dir=cache_dir)
    server.check(settings)
    if host not in LOCAL:
        err_console.print(_("warning: listening on {host}: other machines that reach it (and know the token) can "
                            "start training on this one").format(host=host), markup=False)

    def ready(url: str) -> None:
        say(_("gandojo play: open {url}").format(url=url))
        say(_("(Ctrl-C stops the server; save a session with 'Save as run' first)"))
        if not no_browser:
            webbrowser.open(url)

    server.serve(settings, on_ready=ready)
    say(_("stopped"))
